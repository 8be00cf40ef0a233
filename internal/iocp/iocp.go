// Package iocp holds the pure parts of the Windows selector: the layout of
// the completion records GetQueuedCompletionStatusEx returns, their decoding
// into a ring's events, and mio's mapping of AFD poll bits to readiness.
// Nothing here calls Windows, so it builds and is tested (and fuzzed) on
// every OS.
package iocp

import "github.com/gomio/mio/events"

// The AFD poll bits (afd.h).
const (
	AFDReceive          = 0x0001
	AFDReceiveExpedited = 0x0002
	AFDSend             = 0x0004
	AFDDisconnect       = 0x0008
	AFDAbort            = 0x0010
	AFDLocalClose       = 0x0020
	AFDAccept           = 0x0080
	AFDConnectFail      = 0x0100
)

// The AFD bits behind each readiness, as mio groups them.
const (
	ReadableBits    = AFDReceive | AFDDisconnect | AFDAccept | AFDAbort | AFDConnectFail
	ReadClosedBits  = AFDDisconnect | AFDAbort | AFDConnectFail
	WritableBits    = AFDSend | AFDAbort | AFDConnectFail
	WriteClosedBits = AFDAbort | AFDConnectFail
	ErrorBits       = AFDConnectFail
	PriorityBits    = AFDReceiveExpedited
)

// InterestBits is what an AFD poll asks for on behalf of an interest.
func InterestBits(i events.Interest) uint32 {
	var b uint32
	if i.IsReadable() {
		b |= ReadableBits | ReadClosedBits | ErrorBits
	}
	if i.IsWritable() {
		b |= WritableBits | WriteClosedBits | ErrorBits
	}
	if i.IsPriority() {
		b |= PriorityBits
	}
	return b
}

// Flags maps the AFD bits a poll completed with to readiness flags.
func Flags(afd uint32) events.Flags {
	var f events.Flags
	if afd&ReadableBits != 0 {
		f |= events.FlagReadable
	}
	if afd&WritableBits != 0 {
		f |= events.FlagWritable
	}
	if afd&ErrorBits != 0 {
		f |= events.FlagError
	}
	if afd&ReadClosedBits != 0 {
		f |= events.FlagReadClosed
	}
	if afd&WriteClosedBits != 0 {
		f |= events.FlagWriteClosed
	}
	if afd&PriorityBits != 0 {
		f |= events.FlagPriority
	}
	return f
}

// Entry is OVERLAPPED_ENTRY on 64-bit Windows: 32 bytes.
type Entry struct {
	Key        uint64 // lpCompletionKey
	Overlapped uint64 // lpOverlapped: the address the operation was started with, or 0
	Internal   uint64
	Bytes      uint32 // dwNumberOfBytesTransferred
	_          uint32
}

// Resolver turns completions into events. The selector implements it with
// its table of AFD polls in flight; the tests with a model.
type Resolver interface {
	// Posted resolves a completion posted with PostQueuedCompletionStatus
	// and no OVERLAPPED: a waker's, whose key is its token.
	Posted(key uint64) (events.Event, bool)
	// Completed resolves the completion of an operation started with the
	// address e.Overlapped.
	Completed(e *Entry) (events.Event, bool)
}

// Decode resolves the entries of src in order into dst and returns how many
// events it wrote: never more than len(dst). Entries that resolve to no
// event (a cancelled poll, a poll whose bits the user no longer wants, a
// Close's wake-up) take no slot.
func Decode(dst []events.Event, src []Entry, r Resolver) int {
	n := 0
	for i := range src {
		if n == len(dst) {
			break
		}
		var ev events.Event
		var ok bool
		if src[i].Overlapped == 0 {
			ev, ok = r.Posted(src[i].Key)
		} else {
			ev, ok = r.Completed(&src[i])
		}
		if ok {
			dst[n] = ev
			n++
		}
	}
	return n
}
