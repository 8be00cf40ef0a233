//go:build linux

// Command amd64 generates, with avo, poll_amd64.s (the epoll_pwait
// trampolines and the decoder from the kernel's packed 12-byte epoll_event
// records to the ring's 16-byte events), with -rawsys
// internal/rawsys/rawsys_amd64.s (the raw syscall trampoline), or with
// -kevent internal/kevent/decode_amd64.s (the kqueue record decoder), or
// with -afd internal/iocp/decode_amd64.s (the decoder of AFD poll completions).
//
//	go run ./amd64 -out ../poll_amd64.s
//	go run ./amd64 -rawsys -out ../internal/rawsys/rawsys_amd64.s
//	go run ./amd64 -kevent -out ../internal/kevent/decode_amd64.s
//	go run ./amd64 -afd -out ../internal/iocp/decode_amd64.s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"strings"

	"github.com/gomio/mio/asm/internal/spec"
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var (
	layout       = spec.EpollAMD64
	flagTable    Mem    // spec.FlagTable: flags indexed by spec.FlagIndex(raw)
	flagTables   [3]Mem // spec.OverlapTables, each twice: one per 128-bit lane
	packTables   [2]Mem // packControl(0), packControl(2)
	slotTables   [4]Mem // slotControl(k)
	avx2Enabled  = NewDataAddr(Symbol{Name: "·epollDecodeAVX2"}, 0)
	ssse3Enabled = NewDataAddr(Symbol{Name: "·epollDecodeSSSE3"}, 0)
	dwords       = map[uint32]Mem{}
)

// dwordConst is a 4-byte constant in read-only data, for VPBROADCASTD.
func dwordConst(v uint32) Mem {
	if m, ok := dwords[v]; ok {
		return m
	}
	m := GLOBL(fmt.Sprintf("epollConst%08x", v), RODATA|NOPTR)
	DATA(0, U32(v))
	dwords[v] = m
	return m
}

var (
	out    = flag.Lookup("out") // avo's
	godecl = flag.String("godecl", "", "also write the routines' Go declarations to this file")
	rawsys = flag.Bool("rawsys", false, "generate the raw syscall trampoline instead of the poller")
	kevent = flag.Bool("kevent", false, "generate the kqueue record decoder instead of the poller")
	afd    = flag.Bool("afd", false, "generate the AFD readiness decoder instead of the poller")
)

func main() {
	flag.Parse()
	unit := spec.PollerUnit
	switch {
	case *afd:
		unit = spec.AFDUnit
		decodeAFD()
	case *kevent:
		unit = spec.KeventUnit
		decodeKevent()
	case *rawsys:
		unit = spec.RawsysUnit
		syscall6()
	default:
		poller()
	}
	ConstraintExpr(strings.ReplaceAll(unit.Constraint, " && ", ",")) // avo takes the +build form
	Generate()
	if err := spec.NameCommand(out.Value.String(), "amd64"); err != nil {
		log.Fatal(err)
	}
	if *godecl != "" {
		if err := spec.WriteGoDecl(*godecl, "amd64", unit); err != nil {
			log.Fatal(err)
		}
	}
}

// text starts routine r, with its doc.
func text(r spec.Routine) {
	TEXT(r.Name, NOSPLIT, r.AsmSig)
	Doc(r.Doc...)
}

// poller emits poll_amd64.s: the flag tables, the waits and the decoder.
func poller() {

	flagTable = GLOBL("epollFlagTable", RODATA|NOPTR)
	for k, word := range spec.FlagTableWords() {
		DATA(8*k, U64(word))
	}
	byLow, highMask, highSet := spec.OverlapTables()
	flagTables = [3]Mem{laneTable("epollFlagByLow", byLow), laneTable("epollFlagHighMask", highMask), laneTable("epollFlagHighSet", highSet)}
	for h := range packTables {
		packTables[h] = ymmConst(fmt.Sprintf("epollPackFlags%d", 2*h), packControl(2*h))
	}
	for k := range slotTables {
		slotTables[k] = ymmConst(fmt.Sprintf("epollSlots%d", k), slotControl(k))
	}

	epollWait()
	epollWaitDecode()
	decodeEpoll()
}

// laneTable emits a 16-byte shuffle table twice, for both lanes of a YMM.
func laneTable(name string, t [16]byte) Mem {
	return ymmConst(name, append(t[:], t[:]...))
}

// ymmConst emits 32 bytes of read-only data.
func ymmConst(name string, b []byte) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for k, word := range spec.Words(b) {
		DATA(8*k, U64(word))
	}
	return m
}

// syscallEpollPwait issues epoll_pwait(DI, SI, DX, R10, NULL) and leaves the
// result in AX: a count, or -errno. The argument registers are physical:
// avo's allocator does not know that SYSCALL reads them.
func syscallEpollPwait() {
	XORL(R8L, R8L) // no signal mask
	XORL(R9L, R9L)
	MOVQ(U32(layout.PwaitNR), RAX)
	SYSCALL()
}

// syscall6 is the generic raw trampoline: trap and six arguments in, the
// result or an errno out.
func syscall6() {
	text(spec.RawsysUnit.Find("Syscall6"))
	Load(Param("a1"), RDI)
	Load(Param("a2"), RSI)
	Load(Param("a3"), RDX)
	Load(Param("a4"), R10)
	Load(Param("a5"), R8)
	Load(Param("a6"), R9)
	Load(Param("trap"), RAX)
	SYSCALL()
	storeResult("r", -1, nil)
}

// storeResult stores the syscall result in AX: on success the count in
// result and 0 in errno (then runs onSuccess, if any, before returning); on
// failure (AX in -4095..-1) -AX in errno and failed in result.
func storeResult(result string, failed int32, onSuccess func()) {
	CMPQ(RAX, I32(-4095))
	JCC(LabelRef("failed"))
	Store(RAX, Return(result))
	MOVQ(U32(0), RCX)
	Store(RCX, Return("errno"))
	if onSuccess != nil {
		onSuccess()
	}
	RET()
	Label("failed")
	NEGQ(RAX)
	Store(RAX, Return("errno"))
	if failed == 0 {
		XORL(ECX, ECX)
	} else {
		MOVQ(I32(failed), RCX)
	}
	Store(RCX, Return(result))
	RET()
}

func epollWait() {
	text(spec.PollerUnit.Find("epollWait"))
	Load(Param("epfd"), RDI)
	Load(Param("events"), RSI)
	Load(Param("maxevents"), RDX)
	Load(Param("msec"), R10)
	syscallEpollPwait()
	storeResult("n", -1, nil)
}

func epollWaitDecode() {
	text(spec.PollerUnit.Find("epollWaitDecode"))
	Load(Param("epfd"), RDI)
	Load(Param("slots"), R12)
	Load(Param("maxevents"), RDX)
	Load(Param("msec"), R10)
	LEAQ(Mem{Base: R12, Index: RDX, Scale: uint8(spec.EventSize - layout.RecordSize)}, RSI)
	MOVQ(RSI, R13)
	syscallEpollPwait()
	storeResult("n", 0, func() { decodeLoop(R12, R13, RAX) })
}

func decodeEpoll() {
	text(spec.PollerUnit.Find("decodeEpoll"))
	Load(Param("dst"), R12)
	Load(Param("src"), R13)
	Load(Param("n"), RAX)
	decodeLoop(R12, R13, RAX)
	RET()
}

// decodeLoop decodes count records from src to dst: blocks of eight with
// AVX2 where the CPU has it (the Go side sets epollDecodeAVX2 at start-up),
// then blocks of four with SSSE3 where the CPU has it (epollDecodeSSSE3),
// then the last records, or all of them, with scalar loads. Each
// record is read before its slot is written, which makes the in-place layout
// safe: slot i ends where record i+1 begins at the earliest (decodeAVX2
// gives the distances for its blocks).
func decodeLoop(dst, src, count GPPhysical) {
	CMPB(avx2Enabled, U8(0))
	JEQ(LabelRef("ssse3"))
	CMPQ(count, U8(avx2Block))
	JCS(LabelRef("ssse3"))
	decodeAVX2(dst, src, count)
	Label("ssse3")
	CMPB(ssse3Enabled, U8(0))
	JEQ(LabelRef("scalar"))
	CMPQ(count, U8(ssse3Block))
	JCS(LabelRef("scalar"))
	decodeSSSE3(dst, src, count)
	Label("scalar")
	decodeScalar(dst, src, count)
}

// ssse3Block is how many records one SSSE3 iteration decodes.
const ssse3Block = 4

// decodeSSSE3 decodes blocks of four records while count >= 4, leaving
// count < 4 and src, dst past the blocks: for the CPUs without AVX2, and
// for what the AVX2 loop leaves. One SHUFPS gathers the bits of the four
// records into the dwords of one XMM from two loads (each 16-byte load at a
// record ends with the next record's bits), the lookups of
// spec.OverlapTables give their flags, two unpacks pair each record's flags
// with its bits, and one more joins each pair to the token, loaded in place
// (the last record's from the end of the block, in the high quadword).
//
// Every load lies in the block, and all of a block's loads come before its
// stores; in place (see decodeAVX2), block b's stores end at dst+64(b+1),
// 4max-16(b+1) >= 0 bytes before the next block's records at src+48(b+1).
func decodeSSSE3(dst, src, count GPPhysical) {
	R := layout.RecordSize
	byLow, highMask, highSet, indexBits, indexWeights := X0, X1, X2, X3, X4
	MOVOU(flagTables[0], byLow)
	MOVOU(flagTables[1], highMask)
	MOVOU(flagTables[2], highSet)
	MOVD(dwordConst(spec.FlagIndexMask), indexBits) // one record's bits per dword
	PSHUFD(U8(0), indexBits, indexBits)
	MOVD(dwordConst(0x01010101), indexWeights)
	PSHUFD(U8(0), indexWeights, indexWeights)

	bits, t, high, flags, lowPair, highPair := X5, X6, X7, X8, X9, X10
	tok := []VecPhysical{X11, X12, X13, X14}
	Label("ssse3block")
	MOVOU(Mem{Base: src}, bits)           // bits 0 in dword 0, bits 1 in dword 3
	MOVOU(Mem{Base: src, Disp: 2 * R}, t) // bits 2, bits 3
	SHUFPS(U8(0<<0|3<<2|0<<4|3<<6), t, bits)
	for k := range tok {
		disp := k*R + layout.DataOffset // the token in the low quadword
		if k == ssse3Block-1 {
			disp = ssse3Block*R - 16 // in the high quadword, in the block
		}
		MOVOU(Mem{Base: src, Disp: disp}, tok[k])
	}
	// k = spec.FlagIndex(bits), flags = ByLow[k&15] & HighMask[k>>2] | HighSet[k>>2]
	MOVO(bits, t)
	PAND(indexBits, t)
	PMADDUBSW(indexWeights, t)
	MOVO(t, high)
	PSRLW(U8(2), high)
	MOVO(byLow, flags)
	PSHUFB(t, flags)
	MOVO(highMask, t)
	PSHUFB(high, t)
	PAND(t, flags)
	MOVO(highSet, t)
	PSHUFB(high, t)
	POR(t, flags)

	MOVO(flags, lowPair)
	PUNPCKLLQ(bits, lowPair) // flags 0, bits 0, flags 1, bits 1
	MOVO(flags, highPair)
	PUNPCKHLQ(bits, highPair) // flags 2, bits 2, flags 3, bits 3
	PUNPCKLQDQ(lowPair, tok[0])
	SHUFPD(U8(2), lowPair, tok[1])
	PUNPCKLQDQ(highPair, tok[2])
	PUNPCKHQDQ(highPair, tok[3])
	for k, x := range tok {
		MOVOU(x, Mem{Base: dst, Disp: k * spec.EventSize})
	}
	ADDQ(U32(ssse3Block*R), src)
	ADDQ(U32(ssse3Block*spec.EventSize), dst)
	SUBQ(U8(ssse3Block), count)
	CMPQ(count, U8(ssse3Block))
	JCC(LabelRef("ssse3block"))
}

// decodeScalar is the loop of the CPUs without SSSE3, and of the last
// records the vector loops leave (fewer than four): per record two loads,
// the flags from the 64-byte table (spec.FlagIndexByMul), two stores.
func decodeScalar(dst, src, count GPPhysical) {
	const unroll = 4
	LEAQ(flagTable, R9)
	SUBQ(U8(unroll), count)
	JCS(LabelRef("tail"))
	Label("block")
	for i := range unroll {
		decodeOne(dst, src, i)
	}
	ADDQ(U32(unroll*layout.RecordSize), src)
	ADDQ(U32(unroll*spec.EventSize), dst)
	SUBQ(U8(unroll), count)
	JCC(LabelRef("block"))
	Label("tail")
	ADDQ(U8(unroll), count) // 0 to unroll-1 records left
	JEQ(LabelRef("done"))
	Label("one")
	decodeOne(dst, src, 0)
	ADDQ(U32(layout.RecordSize), src)
	ADDQ(U32(spec.EventSize), dst)
	DECQ(count)
	JNE(LabelRef("one"))
	Label("done")
}

// decodeOne decodes record i at src into slot i at dst.
// The registers are reused from record to record: renaming keeps the
// records independent.
func decodeOne(dst, src GPPhysical, i int) {
	bits, token, flags := RBX, RCX, RDX
	rec := Mem{Base: src, Disp: i * layout.RecordSize}
	MOVL(rec, bits.As32())
	MOVQ(rec.Offset(layout.DataOffset), token)
	MOVL(bits.As32(), flags.As32())
	ANDL(U32(spec.FlagIndexMask), flags.As32())
	IMUL3L(U32(spec.FlagIndexMul), flags.As32(), flags.As32())
	SHRL(U8(spec.FlagIndexShift), flags.As32()) // spec.FlagIndex(bits)
	MOVBLZX(Mem{Base: R9, Index: flags, Scale: 1}, flags.As32())
	SHLQ(U8(32), bits)
	ORQ(flags, bits) // raw<<32 | flags
	slot := Mem{Base: dst, Disp: i * spec.EventSize}
	MOVQ(token, slot)
	MOVQ(bits, slot.Offset(8))
}

// avx2Block is how many records one AVX2 iteration decodes.
const avx2Block = 8

// The AVX2 loop's windows. Window k is the 32 bytes at block+24k-4: lane 0
// holds record 2k at byte 4 after a dword of the record before, lane 1
// record 2k+1 at byte 0 before a dword of the record after. windowRecord is
// where a lane's record starts; windowSpare is the dword of the lane that
// holds no byte of its record, into which the flags are blended before the
// lane is shuffled into its slot.
var (
	windowRecord = [2]int{4, 0}
	windowSpare  = [2]int{0, 3}
)

// windowDisp is where window k starts, from the block's first record.
func windowDisp(k int) int { return 2*k*layout.RecordSize - windowRecord[0] }

// bitsGather is how the loop puts the bits of its eight records into the
// eight dwords of one YMM with four blends: the window of the first pair,
// then four loads at these displacements from the block, each giving the
// dwords listed. All of them stay inside the block and the dword before it,
// and each record's bits land in the lane of its slot (even records in lane
// 0, odd in lane 1), which the in-lane shuffles need.
var bitsGather = []struct {
	disp   int
	dwords []int
}{{windowDisp(0), []int{1, 4}}, {8, []int{7}}, {24, []int{0}}, {36, []int{3, 6}}, {64, []int{2, 5}}}

// gatheredRecords returns, for each dword of the gathered bits, its record;
// it panics if bitsGather misses a record, takes one twice, reads past the
// block or puts a record in the wrong lane.
func gatheredRecords() [8]int {
	var rec [8]int
	seen := map[int]bool{}
	for _, g := range bitsGather {
		if g.disp < windowDisp(0) || g.disp+32 > avx2Block*layout.RecordSize {
			panic(fmt.Sprintf("amd64: bits load at %d leaves the block", g.disp))
		}
		for _, d := range g.dwords {
			at := g.disp + 4*d
			if at%layout.RecordSize != 0 || seen[at/layout.RecordSize] || (at/layout.RecordSize)%2 != d/4 {
				panic(fmt.Sprintf("amd64: dword %d of the load at %d is not a fresh record's bits in its lane", d, g.disp))
			}
			rec[d] = at / layout.RecordSize
			seen[rec[d]] = true
		}
	}
	if len(seen) != avx2Block {
		panic("amd64: the gather misses a record")
	}
	return rec
}

// packControl is the VPSHUFB control that moves the flags of the eight
// records (byte at of each gathered dword) into the windows' spare dwords:
// record 2k's to byte k of lane 0's, record 2k+1's to byte k of lane 1's.
func packControl(at int) []byte {
	c := bytes.Repeat([]byte{0x80}, 32)
	for d, r := range gatheredRecords() {
		lane := r % 2
		c[16*lane+4*windowSpare[lane]+r/2] = byte(4*(d%4) + at)
	}
	return c
}

// slotControl is the VPSHUFB control that turns window k, its spare dwords
// holding the packed flags, into slots 2k and 2k+1: token, flags (one byte,
// zero-extended) and bits.
func slotControl(k int) []byte {
	c := make([]byte, 0, 32)
	for lane := range 2 {
		r := windowRecord[lane]
		for i := range 8 {
			c = append(c, byte(r+layout.DataOffset+i)) // token
		}
		c = append(c, byte(4*windowSpare[lane]+k), 0x80, 0x80, 0x80) // flags
		for i := range 4 {
			c = append(c, byte(r+i)) // bits
		}
	}
	return c
}

// blendMask is VPBLENDD's immediate that takes the dwords listed.
func blendMask(dwords ...int) U8 {
	var m U8
	for _, d := range dwords {
		m |= 1 << d
	}
	return m
}

// decodeAVX2 decodes blocks of eight records while count >= 8, leaving
// count < 8 and src, dst past the blocks: the first block alone, then pairs
// of blocks while a record follows the pair, then single blocks.
//
// Slots 2k and 2k+1 of a block are one YMM store, made from window k (see
// windowRecord) by one in-lane VPSHUFB once the flags are blended into its
// spare dwords. The flags are computed for many records at once: the bits of
// a block's eight records are gathered into the dwords of one YMM
// (bitsGather), the three lookups of spec.OverlapTables give their flags,
// and one VPSHUFB packs them into the spare dwords. A pair of blocks shares
// one computation: the second block is gathered two bytes early, so that its
// records' low words fill the high words of the dwords, and one word blend
// puts sixteen records in one YMM.
//
// Bounds: a block's loads lie in [block-4, block+100), those of the second
// block of a pair in [block-6, block+100): window 0 begins with the last
// dword of the record before the block, window 3 ends with the first of the
// record after it. The first block's window 0 is loaded at src and shifted
// instead, and the single blocks, one of which may end the records, build
// window 3 from the block alone (lastWindow); pairs run only while a record
// follows them. Nothing is read before src or past the last record.
//
// In place (epollTail): slots at dst, records at src = dst+4max, n <= max.
// Block b (records 8b to 8b+7) is decoded only if 8b+8 <= n. Its k-th store
// (k = 0 to 3) ends at dst+128b+32(k+1). A load that follows it in program
// order reads either window k+1 or later of block b, from src+96b+24(k+1)-4
// on, or a later block, from src+96(b+1)-6 on (a pair gathers both blocks'
// bits before either stores). The first is 4max-32b-8k-12 >= 20-8k bytes past
// the store's end, at least 4 for k <= 2 (no load of its block follows the
// last store); the second is 4max-32b-38 >= 26 bytes past it, as a later
// block means 8b+16 <= n. So no store writes a byte of a record not yet
// loaded, and no load reads a byte that a store of the loop wrote (nor waits
// on one to forward). TestDecodeInPlaceEveryCount checks every count to 64 and
// some beyond, at the tightest layout, max = n.
func decodeAVX2(dst, src, count GPPhysical) {
	// Physical registers: avo's allocator would reach for Y16 and up, which
	// only EVEX (AVX-512) encodes.
	c := avx2Consts{Y0, Y1, Y2, Y3, Y4, [2]VecPhysical{Y5, Y6}, [4]VecPhysical{Y7, Y8, Y9, Y10}}
	r := avx2Regs{Y11, Y12, Y13, Y14, Y15}
	VMOVDQU(flagTables[0], c.byLow)
	VMOVDQU(flagTables[1], c.highMask)
	VMOVDQU(flagTables[2], c.highSet)
	VPBROADCASTD(dwordConst(spec.FlagIndexMask*0x10001), c.indexBits)
	VPBROADCASTD(dwordConst(0x01010101), c.indexWeights)
	VMOVDQU(packTables[0], c.pack[0])
	for k, y := range c.slots {
		VMOVDQU(slotTables[k], y)
	}

	R := layout.RecordSize
	advance := func(blocks int) {
		ADDQ(U32(blocks*avx2Block*R), src)
		ADDQ(U32(blocks*avx2Block*spec.EventSize), dst)
		SUBQ(U8(blocks*avx2Block), count)
	}
	Comment("The first block, its window 0 loaded at the block and shifted.")
	VMOVDQU(Mem{Base: src}, r.w0.AsX())
	VPSLLDQ(U8(windowRecord[0]), r.w0.AsX(), r.w0.AsX())
	VINSERTI128(U8(1), Mem{Base: src, Disp: R}, r.w0, r.w0)
	avx2Single(dst, src, c, r, false)
	advance(1)
	CMPQ(count, U8(2*avx2Block))
	JLS(LabelRef("avx2rest")) // a pair reads the first record after it
	VMOVDQU(packTables[1], c.pack[1])

	Label("avx2pairs")
	avx2Pair(dst, src, c, r)
	advance(2)
	CMPQ(count, U8(2*avx2Block))
	JHI(LabelRef("avx2pairs"))

	Label("avx2rest") // 16 records or fewer
	CMPQ(count, U8(avx2Block))
	JCS(LabelRef("avx2done"))
	avx2Single(dst, src, c, r, true)
	advance(1)
	JMP(LabelRef("avx2rest"))
	Label("avx2done")
	VZEROUPPER()
}

// avx2Consts are the registers the AVX2 loop keeps its constants in.
type avx2Consts struct {
	byLow, highMask, highSet, indexBits, indexWeights VecPhysical
	pack                                              [2]VecPhysical // packControl(0), packControl(2)
	slots                                             [4]VecPhysical
}

// avx2Regs are the registers the blocks work in.
type avx2Regs struct{ w0, bits, t, high, flags VecPhysical }

// gatherBits puts the bits of the block at src+disp (the window 0 already
// in r) into the dwords of r as bitsGather lists them, each dword's
// displaced by shift bytes.
func gatherBits(src GPPhysical, disp, shift int, r VecPhysical) {
	for _, g := range bitsGather[1:] {
		VPBLENDD(blendMask(g.dwords...), Mem{Base: src, Disp: disp + g.disp - shift}, r, r)
	}
}

// computeFlags computes the flags of the 16-bit words of bits (each a
// record's low word: byte 0 of the bits and the byte with RDHUP), the flags
// of each into its low byte. k = spec.FlagIndex: both bytes masked to their
// bits, added by VPMADDUBSW;
// flags = ByLow[k&15] & HighMask[k>>2] | HighSet[k>>2].
func computeFlags(c avx2Consts, bits, t, high, flags VecPhysical) {
	VPAND(c.indexBits, bits, t)
	VPMADDUBSW(c.indexWeights, t, t)
	VPSRLW(U8(2), t, high)
	VPSHUFB(t, c.byLow, flags)
	VPSHUFB(high, c.highMask, t)
	VPAND(t, flags, flags)
	VPSHUFB(high, c.highSet, t)
	VPOR(t, flags, flags)
}

// writeSlots blends the packed flags into the spare dwords of the block's
// windows (windows 0 and 3 from registers when w0, w3 are not nil, the others
// from memory) and shuffles each into its two slots.
func writeSlots(dst, src GPPhysical, b int, c avx2Consts, packed, w0, w3, t VecPhysical) {
	spare := blendMask(windowSpare[0], 4+windowSpare[1])
	for k, ctl := range c.slots {
		if w := map[int]VecPhysical{0: w0, 3: w3}[k]; w != nil {
			VPBLENDD(spare, packed, w, t)
		} else {
			VPBLENDD(^spare, Mem{Base: src, Disp: b*avx2Block*layout.RecordSize + windowDisp(k)}, packed, t)
		}
		VPSHUFB(ctl, t, t)
		VMOVDQU(t, Mem{Base: dst, Disp: b*avx2Block*spec.EventSize + 2*k*spec.EventSize})
	}
}

// lastWindow loads window 3 of the block at src into w without its last
// dword, which lies past the block: lane 1 is loaded four bytes early and
// shifted down.
func lastWindow(src GPPhysical, w, t VecPhysical) {
	k, R := avx2Block/2-1, layout.RecordSize
	VMOVDQU(Mem{Base: src, Disp: windowDisp(k)}, w.AsX())
	VMOVDQU(Mem{Base: src, Disp: (2*k+1)*R - 4}, t.AsX())
	VPSRLDQ(U8(4), t.AsX(), t.AsX())
	VINSERTI128(U8(1), t.AsX(), w, w)
}

// avx2Single decodes one block, which may be the last of the records: its
// window 3 is built by lastWindow. loadW0 is false when the caller has put
// window 0 in r.w0.
func avx2Single(dst, src GPPhysical, c avx2Consts, r avx2Regs, loadW0 bool) {
	if loadW0 {
		VMOVDQU(Mem{Base: src, Disp: windowDisp(0)}, r.w0)
	}
	VMOVDQA(r.w0, r.bits)
	gatherBits(src, 0, 0, r.bits)
	computeFlags(c, r.bits, r.t, r.high, r.flags)
	VPSHUFB(c.pack[0], r.flags, r.flags)
	lastWindow(src, r.bits, r.high)
	writeSlots(dst, src, 0, c, r.flags, r.w0, r.bits, r.t)
}

// avx2Pair decodes two blocks, not the last of the records, computing their
// flags at once: the second block's bits are gathered two bytes early, which
// puts each record's low word in the high word of its dword, and one word
// blend joins them to the first block's.
func avx2Pair(dst, src GPPhysical, c avx2Consts, r avx2Regs) {
	first, second, t, high, flags := r.w0, r.bits, r.t, r.high, r.flags
	B := avx2Block * layout.RecordSize
	VMOVDQU(Mem{Base: src, Disp: windowDisp(0)}, first)
	gatherBits(src, 0, 0, first)
	VMOVDQU(Mem{Base: src, Disp: B + windowDisp(0) - 2}, second)
	gatherBits(src, B, 2, second)
	VPBLENDW(U8(0xaa), second, first, first)
	computeFlags(c, first, t, high, flags)
	VPSHUFB(c.pack[0], flags, first)
	VPSHUFB(c.pack[1], flags, second)
	writeSlots(dst, src, 0, c, first, nil, nil, t)
	writeSlots(dst, src, 1, c, second, nil, nil, t)
}

// decodeKevent decodes kevent_t records whose layout (stride, field offsets
// and flag table) comes from a *kevent.Layout; see spec.KeventLayout.
func decodeKevent() {
	k := spec.KeventLayout
	text(spec.KeventUnit.Find("decode"))
	dst, src, n, table := R12, R13, RAX, R9
	stride, flagsOff, fflagsOff := R10, R11, R8
	Load(Param("dst"), dst)
	Load(Param("src"), src)
	Load(Param("n"), n)
	Load(Param("l"), table)
	MOVQ(Mem{Base: table, Disp: k.StrideOff}, stride)
	MOVQ(Mem{Base: table, Disp: k.FlagsOffOff}, flagsOff)
	MOVQ(Mem{Base: table, Disp: k.FFlagsOffOff}, fflagsOff)
	ADDQ(U8(k.TableOff), table)

	ident, filter, flags, fflags, idx, err := RBX, RCX, RDX, RSI, RDI, R14
	Label("loop")
	MOVQ(Mem{Base: table, Disp: k.TokenOffOff - k.TableOff}, ident) // l.TokenOff
	MOVQ(Mem{Base: src, Index: ident, Scale: 1}, ident)
	MOVWLZX(Mem{Base: src, Disp: k.FilterOff}, filter.As32())
	MOVWLZX(Mem{Base: src, Index: flagsOff, Scale: 1}, flags.As32())
	MOVL(Mem{Base: src, Index: fflagsOff, Scale: 1}, fflags.As32())
	// err = EV_ERROR | (EV_EOF & fflags != 0); idx = (filter&15)<<2 | eof<<1 | err
	TESTL(fflags.As32(), fflags.As32())
	SETNE(err.As8())
	MOVBLZX(err.As8(), err.As32())
	MOVL(flags.As32(), idx.As32())
	SHRL(U8(15), idx.As32()) // eof
	ANDL(idx.As32(), err.As32())
	MOVL(flags.As32(), fflags.As32())
	SHRL(U8(14), fflags.As32())
	ANDL(U8(1), fflags.As32())
	ORL(fflags.As32(), err.As32())
	MOVL(filter.As32(), fflags.As32())
	ANDL(U8(15), fflags.As32())
	LEAL(Mem{Index: fflags, Scale: 2, Base: idx}, idx.As32()) // (filter&15)*2 + eof
	LEAL(Mem{Index: idx, Scale: 2, Base: err}, idx.As32())    // ... *2 + err
	MOVBLZX(Mem{Base: table, Index: idx, Scale: 1}, idx.As32())
	SHLL(U8(16), flags.As32())
	ORL(filter.As32(), flags.As32()) // raw
	SHLQ(U8(32), flags)
	ORQ(idx, flags) // raw<<32 | flags
	MOVQ(ident, Mem{Base: dst})
	MOVQ(flags, Mem{Base: dst, Disp: 8})
	ADDQ(stride, src)
	ADDQ(U8(spec.EventSize), dst)
	DECQ(n)
	JNE(LabelRef("loop"))
	RET()
}

// decodeAFD decodes OVERLAPPED_ENTRY records in one pass: an AFD poll's
// completion is finished from the iocp.Record its lpOverlapped points to
// (the event into dst, the record's Want and Polling updated, its slot to
// repoll while it waits for more); every other entry is copied down to the
// front of src for the selector.
func decodeAFD() {
	text(spec.AFDUnit.Find("decodeAFD"))
	l := spec.AFDLayout
	dst, src, n, table := RDI, RSI, RCX, R8
	decoded, repolls, out := RAX, RBX, R9 // rest is counted from out at the end
	rec, afd, want, tmp := R10, R11, R12, R13
	repoll := RDX
	Load(Param("dst"), dst)
	Load(Param("src"), src)
	Load(Param("n"), n)
	Load(Param("table"), table)
	Load(Param("repoll"), repoll)
	XORL(repolls.As32(), repolls.As32())
	XORL(decoded.As32(), decoded.As32())
	MOVQ(src, out)
	Label("loop")
	Comment("Only a succeeded AFD poll the decoder owns, of an open socket, is finished here.")
	CMPQ(Mem{Base: src, Disp: l.EntryKeyOff}, U8(0))
	JNE(LabelRef("keep"))
	MOVQ(Mem{Base: src, Disp: l.EntryOverlappedOff}, rec)
	TESTQ(rec, rec)
	JE(LabelRef("keep"))
	CMPW(Mem{Base: rec, Disp: l.PollingOff}, U8(l.PollDecoded))
	JNE(LabelRef("keep"))
	CMPL(Mem{Base: rec, Disp: l.StatusOff}, U8(0))
	JNE(LabelRef("keep"))
	CMPL(Mem{Base: rec, Disp: l.HandlesOff}, U8(0))
	JE(LabelRef("keep"))
	MOVL(Mem{Base: rec, Disp: l.EventsOff}, afd.As32())
	BTL(U8(l.LocalCloseBit), afd.As32())
	JCS(LabelRef("keep"))
	MOVWLZX(Mem{Base: rec, Disp: l.WantOff}, want.As32())
	ANDL(want.As32(), afd.As32()) // reported: completed and wanted
	XORL(afd.As32(), want.As32()) // want &^ reported
	MOVW(want.As16(), Mem{Base: rec, Disp: l.WantOff})
	MOVW(U16(l.PollIdle), Mem{Base: rec, Disp: l.PollingOff})
	TESTL(afd.As32(), afd.As32())
	JE(LabelRef("reported"))
	MOVQ(Mem{Base: rec, Disp: l.TokenOff}, tmp)
	MOVQ(tmp, Mem{Base: dst})
	MOVL(afd.As32(), tmp.As32())
	ANDL(U32(spec.AFDFlagIndexMask), tmp.As32())
	MOVBLZX(Mem{Base: table, Index: tmp, Scale: 1}, tmp.As32())
	MOVL(tmp.As32(), Mem{Base: dst, Disp: spec.EventFlagsOffset})
	MOVL(afd.As32(), Mem{Base: dst, Disp: spec.EventRawOffset})
	ADDQ(U8(spec.EventSize), dst)
	INCQ(decoded)
	Label("reported")
	Comment("A socket that still waits for bits is polled again by the selector.")
	TESTL(want.As32(), want.As32())
	JE(LabelRef("next"))
	MOVL(Mem{Base: rec, Disp: l.SlotOff}, tmp.As32())
	MOVL(tmp.As32(), Mem{Base: repoll, Index: repolls, Scale: 4})
	INCQ(repolls)
	JMP(LabelRef("next"))
	Label("keep")
	MOVOU(Mem{Base: src}, X0)
	MOVOU(Mem{Base: src, Disp: 16}, X1)
	MOVOU(X0, Mem{Base: out})
	MOVOU(X1, Mem{Base: out, Disp: 16})
	ADDQ(U8(l.EntrySize), out)
	Label("next")
	ADDQ(U8(l.EntrySize), src)
	DECQ(n)
	JNE(LabelRef("loop"))
	Store(decoded, ReturnIndex(0))
	Load(Param("src"), src)
	SUBQ(src, out)
	SHRQ(U8(5), out) // / EntrySize
	Store(out, ReturnIndex(1))
	Store(repolls, ReturnIndex(2))
	RET()
}
