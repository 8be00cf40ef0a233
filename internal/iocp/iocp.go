// Package iocp holds the pure parts of the Windows selector: the layout of
// the completion records GetQueuedCompletionStatusEx returns, their decoding
// into a ring's events, and mio's mapping of AFD poll bits to readiness.
// Nothing here calls Windows, so it builds and is tested (and fuzzed) on
// every OS.
//
// Decoding is two passes. Resolving a completion needs the selector's table
// of polls in flight (the readiness is in the AFD_POLL_INFO the poll wrote,
// not in the record), so the first pass, in Go, writes each event's token
// and raw AFD bits. The second is the generated decoder (decode_amd64.s,
// decode_arm64.s, twin decodeFlagsGeneric): one table load per event turns
// the AFD bits into readiness flags, as the epoll decoder does.
package iocp

import (
	"unsafe"

	"github.com/gomio/mio/events"
)

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

// Entry is OVERLAPPED_ENTRY: 32 bytes on 64-bit Windows, 16 on 32-bit.
type Entry struct {
	Key        uintptr // lpCompletionKey
	Overlapped uintptr // lpOverlapped: the address the operation was started with, or 0
	Internal   uintptr
	Bytes      uint32 // dwNumberOfBytesTransferred
}

// Resolver turns completions into a token and the AFD bits to report. The
// selector implements it with its table of AFD polls in flight; the tests
// with a model.
type Resolver interface {
	// Posted resolves a completion posted with PostQueuedCompletionStatus
	// and no OVERLAPPED: a waker's, reported as AFDReceive (readable).
	Posted(key uintptr) (events.Token, uint32, bool)
	// Completed resolves the completion of an operation started with the
	// address e.Overlapped.
	Completed(e *Entry) (events.Token, uint32, bool)
}

// Decode resolves the entries of src in order into dst and returns how many
// events it wrote: never more than len(dst). Entries that resolve to no
// event (a cancelled poll, a poll whose bits the user no longer wants, a
// Close's wake-up) take no slot. Each event's flags are mio's mapping of its
// raw AFD bits.
func Decode(dst []events.Event, src []Entry, r Resolver) int {
	n := 0
	for i := range src {
		if n == len(dst) {
			break
		}
		var t events.Token
		var afd uint32
		var ok bool
		if src[i].Overlapped == 0 {
			t, afd, ok = r.Posted(src[i].Key)
		} else {
			t, afd, ok = r.Completed(&src[i])
		}
		if ok {
			dst[n] = events.MakeEvent(t, 0, afd)
			n++
		}
	}
	if n > 0 {
		decodeFlags(&dst[0], n, &flagTable)
	}
	return n
}

// FlagIndexMask selects the AFD bits the mapping reads (through
// AFDConnectFail).
const FlagIndexMask = 0x1ff

// FlagTable is mio's mapping for every value of raw & FlagIndexMask; the
// generated decoder reads it.
func FlagTable() [FlagIndexMask + 1]uint8 {
	var t [FlagIndexMask + 1]uint8
	for k := range t {
		t[k] = uint8(Flags(uint32(k)))
	}
	return t
}

var flagTable = FlagTable()

// decodeFlagsGeneric is the portable twin of the generated decodeFlags: it
// sets each event's flags from its raw AFD bits.
func decodeFlagsGeneric(evs *events.Event, n int, table *[FlagIndexMask + 1]uint8) {
	for i, e := range unsafe.Slice(evs, n) {
		unsafe.Slice(evs, n)[i] = events.MakeEvent(e.Token(), events.Flags(table[e.Raw()&FlagIndexMask]), e.Raw())
	}
}
