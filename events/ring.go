package events

import (
	"errors"
	"iter"
)

// Events is a fixed-capacity ring of Event that a Poll appends to and the user
// consumes from. It never grows and never allocates after New: a Poll only
// fills free slots, so an event not yet consumed is never overwritten or lost.
//
// An Events is not safe for concurrent use; it belongs to the goroutine that
// polls with it.
type Events struct {
	slots []Event
	head  int // index of the oldest event
	n     int // number of events held
}

// New returns an empty ring that holds up to capacity events. A capacity of
// zero or less gives a ring of capacity 0, on which Poll returns an error.
func New(capacity int) *Events {
	if capacity <= 0 {
		return &Events{}
	}
	return &Events{slots: make([]Event, capacity)}
}

// Cap returns the number of events the ring can hold.
func (e *Events) Cap() int { return len(e.slots) }

// Len returns the number of events held and not yet consumed.
func (e *Events) Len() int { return e.n }

// IsEmpty reports whether the ring holds no event.
func (e *Events) IsEmpty() bool { return e.n == 0 }

// Clear drops every held event.
func (e *Events) Clear() { e.head, e.n = 0, 0 }

// Pop consumes and returns the oldest event; ok is false when the ring is empty.
func (e *Events) Pop() (ev Event, ok bool) {
	if e.n == 0 {
		return Event{}, false
	}
	ev = e.slots[e.head]
	e.n--
	e.head++
	switch {
	case e.n == 0:
		// Rewinding an empty ring keeps the free space in one piece, so the
		// next Poll can fill the whole ring with a single wait.
		e.head = 0
	case e.head == len(e.slots):
		e.head = 0
	}
	return ev, true
}

// Drain returns an iterator that consumes the events in order. Breaking out
// of the loop early keeps the events not yet yielded for later.
func (e *Events) Drain() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for {
			ev, ok := e.Pop()
			if !ok || !yield(ev) {
				return
			}
		}
	}
}

// All returns an iterator over the held events, oldest first, without
// consuming them.
func (e *Events) All() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for i := 0; i < e.n; i++ {
			j := e.head + i
			if j >= len(e.slots) {
				j -= len(e.slots)
			}
			if !yield(e.slots[j]) {
				return
			}
		}
	}
}

// Free returns the free slots that follow the newest event without wrapping
// around the end of the ring. Writing events into them and then calling
// Commit appends those events. This is how a Poll fills the ring in place; a
// custom selector can do the same. The slice may be shorter than
// Cap()-Len() when the free space wraps around.
func (e *Events) Free() []Event {
	// A full ring gives e.slots[head:head]: no separate check on the hot path.
	if tail := e.head + e.n; tail < len(e.slots) {
		return e.slots[tail:]
	} else {
		return e.slots[tail-len(e.slots) : e.head]
	}
}

// Commit appends the first n slots of the slice that Free returned. It
// returns ErrCommitRange, and changes nothing, when n is negative or more
// than Free would return.
func (e *Events) Commit(n int) error {
	if uint(n) > uint(len(e.Free())) {
		return ErrCommitRange
	}
	e.n += n
	return nil
}

// ErrCommitRange is returned by Commit for a count outside the free slots.
var ErrCommitRange = errors.New("events: commit count outside the free slots")
