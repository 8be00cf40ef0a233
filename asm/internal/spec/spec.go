//go:build linux

// Package spec holds the facts both generators emit code for: the routines'
// contracts, the kernel record layouts, and the flag table derived from the
// selector's mapping, so that the assembly cannot drift from the Go twin.
package spec

import "github.com/gomio/mio/selector"

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

// FlagIndexMask selects the six bits the flag mapping reads: IN, PRI, OUT,
// ERR, HUP (bits 0-4) and RDHUP (bit 13).
const FlagIndexMask = 0x201f

// FlagTable is indexed by raw & FlagIndexMask: entry k is the normalised
// flags of the epoll bits k. It spans 8 KiB, but only its first and last 32
// bytes are ever read (two cache lines), and one AND makes the index.
func FlagTable() []byte {
	t := make([]byte, FlagIndexMask+1)
	for k := range t {
		t[k] = byte(selector.EpollFlags(uint32(k)))
	}
	return t
}

// FlagTableWords is FlagTable as little-endian 64-bit words (padded with
// zeros), the unit in which the generators emit DATA.
func FlagTableWords() []uint64 {
	t := FlagTable()
	words := make([]uint64, (len(t)+7)/8)
	for k, f := range t {
		words[k/8] |= uint64(f) << (8 * (k % 8))
	}
	return words
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
	StrideOff, FlagsOffOff, FFlagsOffOff, TableOff int
	FilterOff                                      int
}

var KeventLayout = Kevent{StrideOff: 0, FlagsOffOff: 8, FFlagsOffOff: 16, TableOff: 24, FilterOff: 8}

// AFDFlagIndexMask is iocp.FlagIndexMask: the AFD bits the readiness table
// is indexed by (through AFD_POLL_CONNECT_FAIL). The iocp package's
// differential test feeds raw values with every bit set, so a mask that
// drifted from the Go twin's would fail it.
const AFDFlagIndexMask = 0x1ff
