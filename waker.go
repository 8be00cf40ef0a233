package mio

import (
	"sync/atomic"

	"github.com/gomio/mio/selector"
)

// waker records whether a Poll has a Waker: mio allows one per Poll.
type waker = atomic.Bool

// Waker wakes a Poll from any goroutine: Wake makes the Poll report a
// readable event with the Waker's token. Wakes that happen before the Poll
// looks coalesce into at least one event.
type Waker struct {
	sw   *selector.Waker
	poll *Poll
	once atomic.Bool
}

// NewWaker creates the Waker of the Poll behind r, reporting token t. A Poll
// has at most one Waker at a time; a second gives ErrWakerExists.
func NewWaker(r *Registry, t Token) (*Waker, error) {
	sel, err := r.selector()
	if err != nil {
		return nil, err
	}
	p := r.poll
	if !p.hasWaker.CompareAndSwap(false, true) {
		return nil, ErrWakerExists
	}
	sw, err := sel.NewWaker(t)
	if err != nil {
		p.hasWaker.Store(false)
		return nil, err
	}
	return &Waker{sw: sw, poll: p}, nil
}

// Wake wakes the Poll. It does not block and does not allocate; after Close
// it returns ErrClosed.
func (w *Waker) Wake() error {
	if w == nil || w.sw == nil {
		return ErrClosed
	}
	return w.sw.Wake()
}

// Close deregisters and closes the Waker; the Poll may then get a new one.
// A second Close returns ErrClosed.
func (w *Waker) Close() error {
	if w == nil || w.sw == nil || !w.once.CompareAndSwap(false, true) {
		return ErrClosed
	}
	err := w.sw.Close()
	w.poll.hasWaker.Store(false)
	return err
}
