//go:build (darwin || dragonfly || freebsd || netbsd || openbsd) && !mio_poll

package selector

import (
	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// wakerIdent is the EVFILT_USER identifier of the waker. User events have
// their own namespace, so it cannot meet a descriptor.
const wakerIdent = 0

// Waker wakes the selector: an EVFILT_USER event triggered with NOTE_TRIGGER
// where the OS has the filter, else the read end of a pipe registered like
// any descriptor.
type Waker struct {
	sel   *Selector
	token events.Token
	pipe  [2]int // -1 with EVFILT_USER
	ref   fdRef
}

// NewWaker creates the waker, reporting token t.
func (s *Selector) NewWaker(t events.Token) (*Waker, error) {
	if hasUserFilter {
		if !s.acquire() {
			return nil, ErrClosed
		}
		defer s.release()
		s.mu.Lock()
		s.waker = wakerSlot{token: t, live: true}
		s.mu.Unlock()
		if err := s.change(wakerIdent, userFilter, unix.EV_ADD|unix.EV_CLEAR, t); err != nil {
			s.mu.Lock()
			s.waker = wakerSlot{}
			s.mu.Unlock()
			return nil, err
		}
		return &Waker{sel: s, token: t, pipe: [2]int{-1, -1}}, nil
	}
	p, err := newPipe()
	if err != nil {
		return nil, err
	}
	if err := s.Register(p[0], t, events.Readable); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, err
	}
	return &Waker{sel: s, token: t, pipe: p}, nil
}

// Wake triggers the waker; ErrClosed after Close.
func (w *Waker) Wake() error {
	if !w.ref.acquire() {
		return ErrClosed
	}
	err := w.wake()
	if w.ref.release() {
		w.destroy()
	}
	return err
}

func (w *Waker) wake() error {
	if w.pipe[1] < 0 {
		if !w.sel.acquire() {
			return ErrClosed
		}
		defer w.sel.release()
		return w.sel.changeNote(wakerIdent, userFilter, 0, noteTrigger, w.token)
	}
	for {
		switch _, err := unix.Write(w.pipe[1], []byte{1}); err {
		case nil:
			return nil
		case unix.EAGAIN:
			// Full: empty it, so that the next byte is a new edge.
			var sink [512]byte
			for {
				if n, _ := unix.Read(w.pipe[0], sink[:]); n <= 0 {
					break
				}
			}
		case unix.EINTR:
		default:
			return err
		}
	}
}

// Close removes the waker, at once or when a Wake in progress ends. A
// second Close returns ErrClosed.
func (w *Waker) Close() error {
	first, destroy := w.ref.close()
	if !first {
		return ErrClosed
	}
	if destroy {
		return w.destroy()
	}
	return nil
}

func (w *Waker) destroy() error {
	if w.pipe[1] < 0 {
		w.sel.mu.Lock()
		w.sel.waker = wakerSlot{}
		w.sel.mu.Unlock()
		if w.sel.acquire() {
			_ = w.sel.change(wakerIdent, userFilter, unix.EV_DELETE, w.token)
			w.sel.release()
		}
		return nil
	}
	_ = w.sel.Deregister(w.pipe[0]) // the selector may be closed already
	unix.Close(w.pipe[0])
	return unix.Close(w.pipe[1])
}
