// Package iocp holds the pure parts of the Windows selector: the layout of
// the completion records GetQueuedCompletionStatusEx returns, their decoding
// into a ring's events, and mio's mapping of AFD poll bits to readiness.
// Nothing here calls Windows, so it builds and is tested (and fuzzed) on
// every OS.
//
// Decoding is one pass over the completions. Each AFD poll's
// IO_STATUS_BLOCK, AFD_POLL_INFO, token and the bits its socket waits for
// are a Record, outside the Go heap, whose address is the poll's
// OVERLAPPED; so the generated decoder (decode_amd64.s, decode_arm64.s, twin
// decodeAFDGeneric) reads a poll's completion from its record and writes
// the finished event into the ring, and marks the record decoded; the slot
// of a record whose socket still waits for bits goes to a list the selector
// polls again before its next wait. What it cannot finish (the waker's
// posts, overlapped operations, failed, cancelled or closed polls) it moves
// to the front of the completions for the selector, which touches only
// those.
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

// Record is one AFD poll as the kernel and the decoder see it: an
// IO_STATUS_BLOCK (first: its address is the poll's OVERLAPPED), the
// AFD_POLL_INFO with one handle, the token the poll reports, and the bits
// its socket waits for. The selector keeps records outside the Go heap, so
// the collector neither scans nor frees what the kernel writes to.
type Record struct {
	Status      uint32 // IO_STATUS_BLOCK: the poll's NTSTATUS
	Information uintptr
	Info        PollInfo
	Token       events.Token
	Slot        uint32 // the selector's index of the record
	Want        uint16 // AFD bits the socket waits for; reported ones are removed
	Polling     uint16 // PollIdle, PollDecoded or PollSelector
}

// PollInfo is AFD_POLL_INFO with one handle.
type PollInfo struct {
	Timeout         int64
	NumberOfHandles uint32
	Exclusive       uint32
	Handle          uintptr
	Events          uint32
	Status          uint32
}

// The values of Record.Polling.
const (
	PollIdle     = 0 // no poll in flight, or its completion decoded
	PollDecoded  = 1 // in flight; the decoder finishes its completion
	PollSelector = 2 // in flight; its completion is the selector's (cancelled, deregistered)
)

// Resolver turns the completions the decoder leaves into a token and the
// AFD bits to report. The selector implements it; the tests with a model.
type Resolver interface {
	// Posted resolves a completion posted with PostQueuedCompletionStatus
	// and no OVERLAPPED: a waker's, reported as AFDReceive (readable).
	Posted(key uintptr) (events.Token, uint32, bool)
	// Completed resolves the completion of an operation started with the
	// address e.Overlapped: an AFD poll's (key 0) that the decoder did not
	// finish, or another handle's.
	Completed(e *Entry) (events.Token, uint32, bool)
}

// Decode decodes the first len(dst) entries of src into dst (the rest are
// dropped) and returns how many events it wrote, and how many slots it
// wrote to repoll (which needs room for as many entries as it decodes).
// Completions of AFD polls (key 0) whose record is PollDecoded and that
// succeeded for an open socket are the decoder's: the event is the record's
// token, mio's mapping of the bits both completed and wanted, and those
// bits, which leave the record's Want (edge-triggered: reported once until
// the socket re-arms); the record becomes PollIdle, and its Slot goes to
// repoll if its Want is not empty, for the selector to poll it again. Every
// other entry goes to r, in order, after them. A completion that resolves
// to no event takes no slot. The entries of src are reordered.
func Decode(dst []events.Event, src []Entry, repoll []uint32, r Resolver) (n, repolls int) {
	src = src[:min(len(src), len(dst))]
	if len(src) == 0 {
		return 0, 0
	}
	_ = repoll[len(src)-1] // room for every entry, checked once
	n, rest, repolls := decodeAFD(&dst[0], &src[0], len(src), &flagTable, &repoll[0])
	for i := range src[:rest] {
		var t events.Token
		var afd uint32
		var ok bool
		if src[i].Overlapped == 0 {
			t, afd, ok = r.Posted(src[i].Key)
		} else {
			t, afd, ok = r.Completed(&src[i])
		}
		if ok {
			dst[n] = events.MakeEvent(t, events.Flags(flagTable[afd&FlagIndexMask]), afd)
			n++
		}
	}
	return n, repolls
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

// decodeAFDGeneric is the portable twin of the generated decodeAFD: it
// writes the events of the n (>= 1) entries at src that it finishes to dst
// and the slots to poll again to repoll, moves the others to the front of
// src, and returns the three counts.
func decodeAFDGeneric(dst *events.Event, src *Entry, n int, table *[FlagIndexMask + 1]uint8, repoll *uint32) (decoded, rest, repolls int) {
	out := unsafe.Slice(dst, n)
	in := unsafe.Slice(src, n)
	slots := unsafe.Slice(repoll, n)
	for i := range in {
		e := in[i]
		if e.Key == 0 && e.Overlapped != 0 {
			r := *(**Record)(unsafe.Pointer(&in[i].Overlapped)) // outside the Go heap
			if r.Polling == PollDecoded && r.Status == 0 && r.Info.NumberOfHandles != 0 && r.Info.Events&AFDLocalClose == 0 {
				afd := r.Info.Events & uint32(r.Want)
				r.Want &^= uint16(afd)
				r.Polling = PollIdle
				if afd != 0 {
					out[decoded] = events.MakeEvent(r.Token, events.Flags(table[afd&FlagIndexMask]), afd)
					decoded++
				}
				if r.Want != 0 {
					slots[repolls] = r.Slot // still waits for bits: poll again
					repolls++
				}
				continue
			}
		}
		in[rest] = e
		rest++
	}
	return decoded, rest, repolls
}
