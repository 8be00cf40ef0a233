//go:build aix || solaris || (unix && mio_poll) || wasip1

package selector

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gomio/mio/events"
)

// The registrations of the selectors that keep their set in Go and emulate
// mio's edges by re-arming: poll(2) (poll_unix.go) and WASI's poll_oneoff
// (wasip1.go). Both are level-triggered; once a Wait has reported a
// readiness, the selector stops asking for it until the descriptor is
// re-armed, by Reregister or by Rearm.
//
// Each of the two Selectors has the fields ref, mu, regs, waker, wakeup and
// gone, and defines interestBits (an Interest as its bits), fileOf (the
// file behind a descriptor), changed (a registration changed: wake a wait
// in progress, the caller holding mu), signal (a Wake: end a wait in
// progress) and destroy.

// registration is one descriptor of a selector. Its fields are guarded by
// its selector's mu.
type registration struct {
	sel      *Selector
	fd       int
	token    events.Token
	interest uint32 // the backend's bits for the interest
	armed    uint32 // those not reported since the last re-arm
	dev, ino uint64 // the file, to tell a reused descriptor number from it
}

type wakerSlot struct {
	token events.Token
	live  bool
}

// owners maps every descriptor registered with any selector of the process
// to its registration. It refuses a second registration in another
// selector, as mio's API promises, and lets Rearm find a descriptor's
// selector from the descriptor alone. Lock order: owners.mu, then a
// selector's mu.
var owners = struct {
	mu   sync.RWMutex
	regs map[int]*registration
}{regs: make(map[int]*registration)}

// acquire marks the start of a use of the selector; false means closed.
func (s *Selector) acquire() bool { return s.ref.acquire() }

// release ends a use begun by acquire; the last one after Close destroys
// the selector.
func (s *Selector) release() {
	if s.ref.release() {
		s.destroy()
	}
}

// Register adds fd with token t and interest i. A descriptor that is already
// registered, with this selector or another one, gives ErrAlreadyRegistered.
// The descriptor's file (device and inode) tells a number closed while
// registered, and since reused, from it; a host that gives sockets no such
// identity (wazero) cannot, until a Wait finds the closed one: deregister
// before closing (mio/net's sockets do so there).
func (s *Selector) Register(fd int, t events.Token, i events.Interest) error {
	bits, err := interestBits(i)
	if err != nil {
		return err
	}
	if fd < 0 {
		return fmt.Errorf("mio: register fd %d: %w", fd, syscall.EBADF)
	}
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	dev, ino, err := fileOf(fd)
	if err != nil {
		return fmt.Errorf("mio: register fd %d: %w", fd, err)
	}
	owners.mu.Lock()
	defer owners.mu.Unlock()
	if old, ok := owners.regs[fd]; ok {
		// The record is stale when its selector is closed or the number
		// now names another file (closed without Deregister, reused).
		if old.dev == dev && old.ino == ino && !old.sel.ref.isClosed() {
			return ErrAlreadyRegistered
		}
		old.sel.forget(old)
	}
	r := &registration{sel: s, fd: fd, token: t, interest: bits, armed: bits, dev: dev, ino: ino}
	owners.regs[fd] = r
	s.mu.Lock()
	s.regs[fd] = r
	s.changed()
	s.mu.Unlock()
	return nil
}

// Reregister replaces the token and interest of a registered fd and re-arms
// it.
func (s *Selector) Reregister(fd int, t events.Token, i events.Interest) error {
	bits, err := interestBits(i)
	if err != nil {
		return err
	}
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	owners.mu.RLock()
	defer owners.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.regs[fd]
	if !ok || owners.regs[fd] != r {
		return ErrNotRegistered
	}
	r.token, r.interest, r.armed = t, bits, bits
	s.changed()
	return nil
}

// Deregister removes fd. Once it returns, no wait reports an event for fd:
// a wait in progress drops what it finds for a registration that is gone.
func (s *Selector) Deregister(fd int) error {
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	owners.mu.Lock()
	defer owners.mu.Unlock()
	r, ok := owners.regs[fd]
	if !ok || r.sel != s {
		return ErrNotRegistered
	}
	delete(owners.regs, fd)
	s.forget(r)
	return nil
}

// forget drops r from its selector. The caller holds owners.mu.
func (s *Selector) forget(r *registration) {
	s.mu.Lock()
	if s.regs[r.fd] == r {
		delete(s.regs, r.fd)
		s.changed()
	}
	s.mu.Unlock()
}

// Rearm asks again for every readiness of fd's interest, in whichever
// selector holds fd; an fd that none holds is ignored. Call it when an
// operation on fd returned EAGAIN: this backend reports each readiness once
// (see Selector), and the would-block says the source has been drained.
// The sockets of mio/net call it themselves.
func Rearm(fd int) {
	owners.mu.RLock()
	if r, ok := owners.regs[fd]; ok {
		s := r.sel
		s.mu.Lock()
		if r.armed != r.interest {
			r.armed = r.interest
			s.changed()
		}
		s.mu.Unlock()
	}
	owners.mu.RUnlock()
}

// forgetGone drops the registrations whose descriptors a wait found closed.
func (s *Selector) forgetGone() {
	if len(s.gone) == 0 {
		return
	}
	owners.mu.Lock()
	for _, r := range s.gone {
		if owners.regs[r.fd] == r {
			delete(owners.regs, r.fd)
		}
		s.forget(r)
	}
	owners.mu.Unlock()
	clear(s.gone)
	s.gone = s.gone[:0]
}

// forgetAll drops every registration of a selector being destroyed.
func (s *Selector) forgetAll() {
	owners.mu.Lock()
	s.mu.Lock()
	for fd, r := range s.regs {
		if owners.regs[fd] == r {
			delete(owners.regs, fd)
		}
	}
	clear(s.regs)
	s.mu.Unlock()
	owners.mu.Unlock()
}

// Waker makes the selector's Wait report a readable event with its token.
type Waker struct {
	sel    *Selector
	closed atomic.Bool
}

// NewWaker creates the waker, reporting token t.
func (s *Selector) NewWaker(t events.Token) (*Waker, error) {
	if !s.acquire() {
		return nil, ErrClosed
	}
	defer s.release()
	s.mu.Lock()
	s.waker = wakerSlot{token: t, live: true}
	s.mu.Unlock()
	return &Waker{sel: s}, nil
}

// Wake makes the selector report the waker's token; wakes before a Wait
// coalesce into one event. ErrClosed after Close of the waker or of the
// selector.
func (w *Waker) Wake() error {
	if w.closed.Load() || !w.sel.acquire() {
		return ErrClosed
	}
	w.sel.wakeup.Store(true)
	w.sel.signal()
	w.sel.release()
	return nil
}

// Close removes the waker. A second Close returns ErrClosed.
func (w *Waker) Close() error {
	if !w.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	w.sel.mu.Lock()
	w.sel.waker = wakerSlot{}
	w.sel.mu.Unlock()
	w.sel.wakeup.Store(false)
	return nil
}
