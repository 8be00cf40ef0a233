package mio

import "github.com/gomio/mio/events"

// The vocabulary lives in package events; these aliases let a user import
// only mio.
type (
	// Token identifies a registration; see events.Token.
	Token = events.Token
	// Interest is the readiness a registration asks for; see events.Interest.
	Interest = events.Interest
	// Event is one readiness report; see events.Event.
	Event = events.Event
	// Events is the fixed-capacity ring a Poll fills; see events.Events.
	Events = events.Events
)

// The Interest constants; see package events.
const (
	Readable = events.Readable
	Writable = events.Writable
	Priority = events.Priority
	AIO      = events.AIO
	LIO      = events.LIO
)

// NewEvents returns a ring that holds up to capacity events; it is events.New.
func NewEvents(capacity int) *Events { return events.New(capacity) }

// exportAliasedBodies is never called. Go's compiler inlines another
// package's function only where the export data it reads carries that
// function's body, and mio's export data carries the body of a function of
// package events only where mio's own code inlines it. A program that
// imports mio alone reaches the methods of Event, Events and Interest
// through the aliases; without these inlined calls every ev.Token() in it
// stays a call, and a range over Drain() is not inlined either, which moves
// the loop body's closure and state to the heap: allocations on every Poll
// of an event loop written the documented way (internal/importmio tests it,
// and fails if this function goes).
//
//lint:ignore U1000 its calls put the methods' bodies in mio's export data
func exportAliasedBodies(e *Events, i Interest) (n int, ok bool) {
	for ev := range e.All() {
		ok = ok || ev.IsReadable() || ev.IsWritable() || ev.IsError() ||
			ev.IsReadClosed() || ev.IsWriteClosed() || ev.IsPriority() ||
			ev.IsAIO() || ev.IsLIO() || ev.Flags() == 0 || ev.Raw() == 0
	}
	for ev := range e.Drain() {
		n += int(ev.Token())
	}
	ev, _ := e.Pop()
	e.Clear()
	_ = e.Commit(len(e.Free()))
	j, _ := i.Add(Writable).Remove(Readable)
	ok = ok || e.IsEmpty() || j.IsReadable() || j.IsWritable() || j.IsPriority() ||
		j.IsAIO() || j.IsLIO() || j.Valid()
	return n + int(ev.Token()) + e.Cap() + e.Len(), ok
}
