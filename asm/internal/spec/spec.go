//go:build linux

// Package spec holds the facts both generators emit code for: the routines'
// contracts, the kernel record layouts, and the flag table derived from the
// selector's mapping, so that the assembly cannot drift from the Go twin.
package spec

import "github.com/gomio/mio/selector"

// EventSize is the size of events.Event: token (8), flags (4), raw bits (4).
const EventSize = 16

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

// FlagTable is the 64-entry table indexed by selector.EpollFlagIndex: entry
// k is the normalised flags of the epoll bits that index k stands for.
func FlagTable() [64]byte {
	var t [64]byte
	for k := range t {
		raw := uint32(k&0x1f) | uint32(k&0x20)<<8
		t[k] = byte(selector.EpollFlags(raw))
	}
	return t
}

// Header is the comment both generators put above the routines.
var Header = []string{
	"The hot path of the poller. Each routine either makes a syscall that",
	"cannot block (a zero-timeout wait; the caller brackets a blocking one with",
	"the runtime's entersyscall/exitsyscall), or transforms memory.",
}
