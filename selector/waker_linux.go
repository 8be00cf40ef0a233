//go:build linux

package selector

import (
	"github.com/gomio/mio/events"
)

// Waker is an eventfd registered readable with the waker's token.
type Waker struct {
	efd *eventFd
	sel *Selector
}

// NewWaker creates an eventfd and registers it with token t.
func (s *Selector) NewWaker(t events.Token) (*Waker, error) {
	efd, err := openEventFd()
	if err != nil {
		return nil, err
	}
	if err := s.Register(efd.Fd(), t, events.Readable); err != nil {
		efd.Close()
		return nil, err
	}
	return &Waker{efd: efd, sel: s}, nil
}

// Wake makes the selector report the waker's token; ErrClosed after Close.
func (w *Waker) Wake() error { return w.efd.Signal() }

// Close deregisters and closes the eventfd.
func (w *Waker) Close() error {
	_ = w.sel.Deregister(w.efd.Fd()) // the selector may be closed already
	return w.efd.Close()
}
