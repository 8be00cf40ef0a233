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
	layout      = spec.EpollAMD64
	flagTable   Mem // spec.FlagTable: flags indexed by spec.FlagIndex(raw)
	nibbleLow   Mem // spec.NibbleTables, each twice: one per 128-bit lane
	nibbleHigh  Mem
	avx2Enabled = NewDataAddr(Symbol{Name: "·epollDecodeAVX2"}, 0)
	dwords      = map[uint32]Mem{}
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
	low, high := spec.NibbleTables()
	nibbleLow, nibbleHigh = laneTable("epollNibbleLow", low), laneTable("epollNibbleHigh", high)

	epollWait()
	epollWaitDecode()
	decodeEpoll()
}

// laneTable emits a 16-byte shuffle table twice, for both lanes of a YMM.
func laneTable(name string, t [16]byte) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for k, word := range spec.Words(append(t[:], t[:]...)) {
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
// then the rest, or all of them, four per iteration with scalar loads. Each
// record is read before its slot is written, which makes the in-place layout
// safe: a block reads all its records before it writes any slot, and slot i
// ends where record i+1 begins at the earliest.
func decodeLoop(dst, src, count GPPhysical) {
	CMPB(avx2Enabled, U8(0))
	JEQ(LabelRef("scalar"))
	CMPQ(count, U8(avx2Block))
	JCS(LabelRef("scalar"))
	decodeAVX2(dst, src, count)
	Label("scalar")
	decodeScalar(dst, src, count)
}

// decodeScalar is the loop of the CPUs without AVX2: per record two loads,
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

// decodeAVX2 decodes blocks of eight records while count >= 8, leaving
// count < 8 and src, dst past the blocks. Each YMM store writes two
// consecutive slots: lane 0 holds record 2k, lane 1 record 2k+1. A record's
// 16 bytes come into a lane with one 128-bit load at an offset of its choice,
// so the shuffles never cross lanes:
//
//   - tokens: a load at rec+4 puts the token in the low quadword, one at
//     rec-4 in the high one;
//   - bits: pair k (records 2k, 2k+1) is loaded at rec-4k, which puts its
//     bits in dword k; three dword blends gather the four pairs' bits, and
//     one lookup computes the flags of all eight (spec.NibbleTables);
//   - VPUNPCK{L,H}DQ interleaves flags and bits into each slot's second
//     quadword, VPUNPCK{L,H}QDQ joins it to the token.
//
// Every load stays inside the block's 96 bytes.
func decodeAVX2(dst, src, count GPPhysical) {
	// Physical registers: avo's allocator would reach for Y16 and up, which
	// only EVEX (AVX-512) encodes.
	lowTable, highTable, nibble, highMask, highBase, flagMask := Y0, Y1, Y2, Y3, Y4, Y5
	VMOVDQU(nibbleLow, lowTable)
	VMOVDQU(nibbleHigh, highTable)
	VPBROADCASTD(dwordConst(0x0f), nibble)
	VPBROADCASTD(dwordConst(1|2<<8), highMask)                             // HUP (bit 4) and RDHUP (bit 13), shifted right by four
	VPBROADCASTD(dwordConst(0x80800000|spec.NibbleRDHUPBase<<8), highBase) // bytes 2, 3 look up nothing
	VPBROADCASTD(dwordConst(spec.NibbleFlagMask), flagMask)

	R := layout.RecordSize
	pairLoad := func(disp int, y VecPhysical) VecPhysical { // records 2k and 2k+1 from disp into lanes 0, 1
		VMOVDQU(Mem{Base: src, Disp: disp}, y.AsX())
		VINSERTI128(U8(1), Mem{Base: src, Disp: disp + R}, y, y)
		return y
	}
	Label("avx2")
	bits0 := pairLoad(0*R, Y6)
	pair1 := pairLoad(2*R-4, Y7) // bits in dword 1, token in the high quadword
	bits2 := pairLoad(4*R-8, Y8)
	bits3 := pairLoad(6*R-12, Y9)

	b := Y10
	VPBLENDD(U8(0x22), pair1, bits0, b)
	VPBLENDD(U8(0x44), bits2, b, b)
	VPBLENDD(U8(0x88), bits3, b, b)

	lo, g, y, m, f := Y11, Y12, Y8, Y9, Y11
	VPAND(nibble, b, lo)
	VPSRLD(U8(4), b, g)
	VPAND(highMask, g, g)
	VPOR(highBase, g, g)
	VPSHUFB(lo, lowTable, lo) // lo = NibbleLow[b & 15]
	VPSHUFB(g, highTable, g)  // byte 0: G, byte 1: Y
	VPSRLD(U8(8), g, y)
	VPAND(g, lo, m)
	VPAND(y, m, m)
	VPSRLD(U8(spec.NibbleMarkerShift), m, m)
	VPOR(g, lo, f)
	VPAND(flagMask, f, f)
	VPOR(m, f, f)

	wl, wh := Y12, Y10
	VPUNPCKLDQ(b, f, wl) // pairs 0, 1: flags, bits
	VPUNPCKHDQ(b, f, wh) // pairs 2, 3
	for k, st := range []struct {
		unpack func(...Op)
		tok    VecPhysical
		w      VecPhysical
	}{
		{VPUNPCKLQDQ, pairLoad(0*R+4, Y13), wl},
		{VPUNPCKHQDQ, pair1, wl},
		{VPUNPCKLQDQ, pairLoad(4*R+4, Y14), wh},
		{VPUNPCKHQDQ, pairLoad(6*R-4, Y15), wh},
	} {
		out := []VecPhysical{Y6, Y8, Y9, Y11}[k]
		st.unpack(st.w, st.tok, out)
		VMOVDQU(out, Mem{Base: dst, Disp: 2 * k * spec.EventSize})
	}
	ADDQ(U32(avx2Block*R), src)
	ADDQ(U32(avx2Block*spec.EventSize), dst)
	SUBQ(U8(avx2Block), count)
	CMPQ(count, U8(avx2Block))
	JCC(LabelRef("avx2"))
	VZEROUPPER()
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
