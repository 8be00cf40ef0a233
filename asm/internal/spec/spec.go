//go:build linux

// Package spec holds the facts both generators emit code for: the routines'
// contracts, the kernel record layouts, and the flag table derived from the
// selector's mapping, so that the assembly cannot drift from the Go twin.
package spec

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/gomio/mio/selector"
)

// EventSize is the size of events.Event: token (8), flags (4), raw bits (4).
const (
	EventSize        = 16
	EventFlagsOffset = 8
	EventRawOffset   = 12
)

// Epoll describes struct epoll_event on one architecture.
type Epoll struct {
	RecordSize int // 12 on amd64 (packed), 16 on arm64
	DataOffset int // offset of the 64-bit data word
	PwaitNR    int // syscall number of epoll_pwait
}

var (
	EpollAMD64 = Epoll{RecordSize: 12, DataOffset: 4, PwaitNR: 281}
	EpollARM64 = Epoll{RecordSize: 16, DataOffset: 8, PwaitNR: 22}
)

// TailOffset is how far into the slots the kernel's records are written for
// an in-place decode of max records: at the very end of the slot memory, so
// that writing slot i never overwrites record i+1 (slot i ends at 16(i+1),
// record i+1 starts at max(16-R) + R(i+1), which is no less while i < max).
func (e Epoll) TailOffset(max int) int { return max * (EventSize - e.RecordSize) }

// The flag mapping reads six bits of epoll_event.events: IN, PRI, OUT, ERR,
// HUP (bits 0-4) and RDHUP (bit 13). The scalar decoders fold them into a
// 6-bit index, (raw & 0x1f) | (raw >> 8 & 0x20), of a 64-byte table.
const (
	FlagLowMask    = 0x1f // IN, PRI, OUT, ERR, HUP, in place
	FlagRDHUPBit   = 13
	FlagRDHUPShift = FlagRDHUPBit - 5 // RDHUP moved to index bit 5
)

// FlagIndex is the scalar decoders' table index of the epoll bits raw.
func FlagIndex(raw uint32) int {
	return int(raw&FlagLowMask | raw>>FlagRDHUPShift&(1<<5))
}

// The amd64 scalar loop computes FlagIndex with one multiply: the six bits,
// masked, times 1<<26 | 1<<18 put IN..HUP at bits 26-30 and RDHUP at bit 31
// (the partial products share no bit, so nothing carries), and a shift by
// 26 leaves the index. FlagTable checks it against FlagIndex.
const (
	FlagIndexMask  = FlagLowMask | 1<<FlagRDHUPBit
	FlagIndexMul   = 1<<26 | 1<<18
	FlagIndexShift = 26
)

// FlagIndexByMul is FlagIndex as the amd64 scalar loop computes it.
func FlagIndexByMul(raw uint32) int {
	return int((raw & FlagIndexMask) * FlagIndexMul >> FlagIndexShift)
}

// FlagTable is indexed by FlagIndex: entry k is the normalised flags of any
// epoll bits whose index is k.
func FlagTable() []byte {
	t := make([]byte, 64)
	for k := range t {
		raw := uint32(k&FlagLowMask) | uint32(k>>5)<<FlagRDHUPBit
		if FlagIndex(raw) != k || FlagIndexByMul(raw|^uint32(FlagIndexMask)) != k {
			panic("spec: FlagIndex does not invert")
		}
		t[k] = byte(selector.EpollFlags(raw))
	}
	return t
}

// FlagTableWords is FlagTable as little-endian 64-bit words, the unit in
// which the generators emit DATA.
func FlagTableWords() []uint64 { return Words(FlagTable()) }

// Words packs b (a multiple of 8 bytes long) into little-endian words.
func Words(b []byte) []uint64 {
	if len(b)%8 != 0 {
		panic("spec: Words of a partial word")
	}
	words := make([]uint64, len(b)/8)
	for k, v := range b {
		words[k/8] |= uint64(v) << (8 * (k % 8))
	}
	return words
}

// The vector decoders look the flags up with two 16-entry byte shuffles
// (PSHUFB, TBL) per lane instead of one 64-entry load per record. Flags use
// bits 0-5; bits 6 and 7 of the table entries are markers for the two
// conditions that join the low nibble with HUP or RDHUP:
//
//	ReadClosed  also when IN and RDHUP
//	WriteClosed also when the six bits are ERR alone
//
// For the bits b of one record (b0 = b & 15, hup = b>>4 & 1, rdhup = b>>13 & 1):
//
//	lo = NibbleLow[b0]
//	g  = NibbleHigh[hup]             G: HUP's own flags, the markers it allows
//	y  = NibbleHigh[4 | 2*rdhup]     Y: the markers RDHUP allows
//	flags = (lo|g)&0x3f | (lo&g&y)>>3
//
// The two marker bits land, shifted right by three, on ReadClosed (8) and
// WriteClosed (16). NibbleTables checks the identity over all 64 inputs.
const (
	markerInRDHUP     = 0x40 // IN, ANDed with RDHUP: ReadClosed
	markerErrOnly     = 0x80 // ERR alone in the low nibble, ANDed with no HUP and no RDHUP: WriteClosed
	NibbleFlagMask    = 0x3f
	NibbleMarkerShift = 3
	NibbleRDHUPBase   = 4 // y's index is NibbleRDHUPBase | 2*rdhup
)

// NibbleTables returns the two 16-byte tables of the vector decoders.
func NibbleTables() (low, high [16]byte) {
	const (
		in    = 1
		err   = 8
		hup   = 1 << 4
		rdhup = 1 << FlagRDHUPBit
		rc    = byte(1 << 3) // FlagReadClosed
		wc    = byte(1 << 4) // FlagWriteClosed
	)
	if byte(selector.EpollFlags(hup)) != rc|wc {
		panic("spec: HUP no longer means ReadClosed|WriteClosed")
	}
	for b0 := range uint32(16) {
		// The low nibble's own flags: RDHUP set so that ERR alone is not
		// alone, ReadClosed removed because RDHUP gave it.
		f := byte(selector.EpollFlags(b0|rdhup)) &^ rc
		if b0&in != 0 {
			f |= markerInRDHUP
		}
		if b0 == err {
			f |= markerErrOnly
		}
		low[b0] = f
	}
	high[0] = markerInRDHUP | markerErrOnly // no HUP
	high[1] = rc | wc | markerInRDHUP       // HUP
	high[NibbleRDHUPBase] = markerErrOnly   // no RDHUP
	high[NibbleRDHUPBase|2] = markerInRDHUP // RDHUP
	for k := range 64 {
		raw := uint32(k&15) | uint32(k>>4&1)<<4 | uint32(k>>5)<<FlagRDHUPBit
		lo := low[raw&15]
		g := high[raw>>4&1]
		y := high[NibbleRDHUPBase|raw>>FlagRDHUPBit<<1]
		got := (lo|g)&NibbleFlagMask | (lo&g&y)>>NibbleMarkerShift
		if got != byte(selector.EpollFlags(raw)) {
			panic(fmt.Sprintf("spec: nibble tables give %#x for epoll bits %#x, want %#x", got, raw, selector.EpollFlags(raw)))
		}
	}
	if low[0] != 0 || high[0]&NibbleFlagMask != 0 {
		panic("spec: a zero index must give no flags (the vector decoders rely on it for unused lanes)")
	}
	return low, high
}

// The amd64 vector loops compute the flags of four to sixteen records at once,
// one per 32- or 16-bit lane, with three 16-byte lookups by overlapping
// nibbles of the FlagIndex k: its low four bits (IN, PRI, OUT, ERR) and its
// high four, k>>2 (OUT, ERR, HUP, RDHUP):
//
//	flags = ByLow[k&15] & HighMask[k>>2] | HighSet[k>>2]
//
// ByLow gives the flags the low nibble decides alone and, in the places of
// ReadClosed and WriteClosed, what it contributes to the two conditions that
// need both nibbles (IN for IN and RDHUP; ERR alone for ERR alone);
// HighMask passes the former and holds the high nibble's side of the latter;
// HighSet adds what the high nibble decides alone (HUP; OUT and ERR).
// OverlapTables checks the identity over all 64 indexes, and that index 0
// gives no flags: the loops look up index 0 for the bytes of a lane above
// the record's, which must come out zero where they are kept.
const (
	flagReadClosed  = 1 << 3
	flagWriteClosed = 1 << 4
)

// OverlapTables returns ByLow, HighMask and HighSet.
func OverlapTables() (byLow, highMask, highSet [16]byte) {
	const (
		in, pri, out, err, hup, rdhup = 1, 2, 4, 8, 16, 32 // bits of the index
		both                          = flagReadClosed | flagWriteClosed
	)
	raw := func(k int) uint32 { return uint32(k&FlagLowMask) | uint32(k>>5)<<FlagRDHUPBit }
	for a := range 16 {
		byLow[a] = byte(selector.EpollFlags(raw(a))) &^ both
		if a&in != 0 {
			byLow[a] |= flagReadClosed
		}
		if a == err {
			byLow[a] |= flagWriteClosed
		}
	}
	for b := range 16 {
		k := b << 2 // the high nibble's bits in place, IN and PRI clear
		highMask[b] = ^byte(both)
		if k&rdhup != 0 {
			highMask[b] |= flagReadClosed
		}
		if k&(out|hup|rdhup) == 0 && k&err != 0 {
			highMask[b] |= flagWriteClosed
		}
		highSet[b] = byte(selector.EpollFlags(raw(k))) & both
		if k == err {
			highSet[b] = 0 // ERR alone needs the low nibble's word: IN and PRI clear
		}
	}
	for k := range 64 {
		got := byLow[k&15]&highMask[k>>2] | highSet[k>>2]
		if got != byte(selector.EpollFlags(raw(k))) || FlagIndex(raw(k)) != k {
			panic(fmt.Sprintf("spec: overlap tables give %#x for epoll bits %#x, want %#x", got, raw(k), selector.EpollFlags(raw(k))))
		}
	}
	if byLow[0]&highMask[0]|highSet[0] != 0 {
		panic("spec: overlap tables give flags for index 0")
	}
	return byLow, highMask, highSet
}

// Header is the comment both generators put above the routines.
var Header = []string{
	"The hot path of the poller. Each routine either makes a syscall that",
	"cannot block (a zero-timeout wait; the caller brackets a blocking one with",
	"the runtime's entersyscall/exitsyscall), or transforms memory.",
}

// Kevent is where kevent.Layout keeps what the decoder reads, and where
// filter sits in every OS's kevent_t. The kevent tests check these offsets
// against the Go struct.
type Kevent struct {
	StrideOff, FlagsOffOff, FFlagsOffOff, TokenOffOff, TableOff int
	FilterOff                                                   int
}

var KeventLayout = Kevent{StrideOff: 0, FlagsOffOff: 8, FFlagsOffOff: 16, TokenOffOff: 24, TableOff: 32, FilterOff: 8}

// AFDFlagIndexMask is iocp.FlagIndexMask: the AFD bits the readiness table
// is indexed by (through AFD_POLL_CONNECT_FAIL). The iocp package's
// differential test feeds raw values with every bit set, so a mask that
// drifted from the Go twin's would fail it.
const AFDFlagIndexMask = 0x1ff

// AFDRecord is where the 64-bit iocp.Record and iocp.Entry (OVERLAPPED_ENTRY)
// keep what the AFD decoder reads and writes; the iocp tests check these
// offsets against the Go structs. Polling's values are iocp.PollIdle and
// iocp.PollDecoded; LocalClose is AFD_POLL_LOCAL_CLOSE.
type AFDRecord struct {
	StatusOff, HandlesOff, EventsOff, TokenOff, SlotOff, WantOff, PollingOff int
	EntryKeyOff, EntryOverlappedOff, EntrySize                               int
	PollIdle, PollDecoded, LocalCloseBit                                     int
}

var AFDLayout = AFDRecord{StatusOff: 0, HandlesOff: 24, EventsOff: 40, TokenOff: 48, SlotOff: 56, WantOff: 60, PollingOff: 62,
	EntryKeyOff: 0, EntryOverlappedOff: 8, EntrySize: 32, PollIdle: 0, PollDecoded: 1, LocalCloseBit: 5}

// Command is the exact command that runs generator (a directory of asm/)
// with this process's arguments, from the repository's root: what every
// generated file's header names.
func Command(generator string) string {
	return strings.Join(append([]string{"cd asm && go run ./" + generator}, os.Args[1:]...), " ")
}

// NameCommand rewrites the first line of a file that avo wrote (avo names
// "go run main.go", the file, not the command) to name Command(generator).
func NameCommand(path, generator string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	line, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.HasPrefix(line, []byte("// Code generated by command: ")) {
		return fmt.Errorf("%s: no generated-code header on the first line", path)
	}
	head := "// Code generated by command: " + Command(generator) + ". DO NOT EDIT."
	return os.WriteFile(path, append([]byte(head+"\n"), rest...), 0o644)
}
