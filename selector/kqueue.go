//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package selector

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/internal/kevent"
	"golang.org/x/sys/unix"
)

// Selector is a kqueue: EV_CLEAR (edge-triggered) read and write filters
// keyed by descriptor. kevent_t's udata is pointer-typed, so tokens are not
// stored in the kernel: a side table maps each descriptor the kernel gives
// back to its registration's token.
type Selector struct {
	kq  int
	ref fdRef

	mu     sync.RWMutex
	tokens map[int]events.Token // registered descriptor → token
	waker  wakerSlot            // EVFILT_USER waker, where the OS has it

	buf []unix.Kevent_t // the wait's records; only the polling goroutine uses it

	closeWake [2]int // pipe registered by Close to end a wait; -1 when unused
}

type wakerSlot struct {
	token events.Token
	live  bool
}

// New creates a close-on-exec kqueue.
func New() (*Selector, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, fmt.Errorf("mio: kqueue: %w", err)
	}
	unix.CloseOnExec(kq)
	return &Selector{kq: kq, tokens: make(map[int]events.Token), closeWake: [2]int{-1, -1}}, nil
}

// Fd returns the kqueue descriptor.
func (s *Selector) Fd() int { return s.kq }

// Acquire marks the start of a use of the descriptor; false means closed.
func (s *Selector) Acquire() bool { return s.ref.acquire() }

// Release ends a use begun by Acquire.
func (s *Selector) Release() {
	if s.ref.release() {
		s.destroy()
	}
}

// IsClosed reports whether Close has been called.
func (s *Selector) IsClosed() bool { return s.ref.isClosed() }

// checkInterest refuses what kqueue cannot report: Priority everywhere, AIO
// and LIO where the OS lacks the filter.
func checkInterest(i events.Interest) error {
	switch {
	case !i.Valid():
		return ErrInvalidInterest
	case i.IsPriority(), i.IsAIO() && !hasAIO, i.IsLIO() && !hasLIO:
		return fmt.Errorf("%w: %v with kqueue: %w", ErrInvalidInterest, i, errors.ErrUnsupported)
	}
	return nil
}

// change applies one change. With no room for events, kevent reports a
// failed change as its own error.
func (s *Selector) change(fd int, filter int, flags int) error {
	var k [1]unix.Kevent_t
	unix.SetKevent(&k[0], fd, filter, flags)
	for {
		_, err := unix.Kevent(s.kq, k[:], nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// apply adds the filters i asks for and deletes the others (a filter that
// is absent is not an error), as mio does. AIO and LIO need no filter: their
// events come from the aio requests themselves.
func (s *Selector) apply(fd int, i events.Interest) error {
	for _, f := range [...]struct {
		filter int
		want   bool
	}{{unix.EVFILT_READ, i.IsReadable()}, {unix.EVFILT_WRITE, i.IsWritable()}} {
		flags := unix.EV_ADD | unix.EV_CLEAR
		if !f.want {
			flags = unix.EV_DELETE
		}
		if err := s.change(fd, f.filter, flags); err != nil && !(err == unix.ENOENT && !f.want) {
			return err
		}
	}
	return nil
}

// noFilters makes apply delete both filters.
const noFilters events.Interest = 0

// Register adds fd with token t and interest i. A descriptor that is already
// registered, with this selector or another one, gives ErrAlreadyRegistered.
func (s *Selector) Register(fd int, t events.Token, i events.Interest) error {
	if err := checkInterest(i); err != nil {
		return err
	}
	sh, err := s.lockUnowned(fd, "register")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	// The token is in the table before the filters exist: an edge that
	// fires at once must find it, or it would be dropped and never repeat.
	s.mu.Lock()
	s.tokens[fd] = t
	s.mu.Unlock()
	if err := s.apply(fd, i); err != nil {
		_ = s.apply(fd, noFilters) // undo a half-applied registration
		s.mu.Lock()
		delete(s.tokens, fd)
		s.mu.Unlock()
		return fmt.Errorf("mio: register fd %d: %w", fd, err)
	}
	sh.put(fd, owner{sel: s, bits: uint32(i), token: t})
	return nil
}

// Reregister replaces the token and interest of a registered fd.
func (s *Selector) Reregister(fd int, t events.Token, i events.Interest) error {
	if err := checkInterest(i); err != nil {
		return err
	}
	sh, err := s.lockFd(fd, "reregister")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	if o, ok := sh.regs[fd]; !ok || o.sel != s {
		return ErrNotRegistered
	}
	s.mu.Lock()
	s.tokens[fd] = t // before the filters change, so no event carries the old token
	s.mu.Unlock()
	if err := s.apply(fd, i); err != nil {
		return fmt.Errorf("mio: reregister fd %d: %w", fd, err)
	}
	sh.put(fd, owner{sel: s, bits: uint32(i), token: t})
	return nil
}

// Deregister removes fd. Deleting a filter also discards its pending
// events, so no wait that starts afterwards reports fd.
func (s *Selector) Deregister(fd int) error {
	sh, err := s.lockFd(fd, "deregister")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	if o, ok := sh.regs[fd]; !ok || o.sel != s {
		return ErrNotRegistered
	}
	err = s.apply(fd, noFilters)
	delete(sh.regs, fd)
	s.mu.Lock()
	delete(s.tokens, fd)
	s.mu.Unlock()
	if err != nil && err != unix.EBADF {
		return fmt.Errorf("mio: deregister fd %d: %w", fd, err)
	}
	return nil
}

// holds asks the kernel whether fd, recorded as o, is still registered here.
// kqueue forgets a closed descriptor's filters, but the table cannot see the
// close; enabling a filter without EV_ADD fails with ENOENT when it is gone
// and is harmless (at most a spurious event) when it is live. See
// lockUnowned for the locking.
func (s *Selector) holds(fd int, o owner) bool {
	if !s.Acquire() {
		return false
	}
	defer s.Release()
	i := events.Interest(o.bits)
	switch {
	case i.IsReadable():
		return s.change(fd, unix.EVFILT_READ, unix.EV_ENABLE) == nil
	case i.IsWritable():
		return s.change(fd, unix.EVFILT_WRITE, unix.EV_ENABLE) == nil
	}
	return true // no filter to ask about: trust the record
}

// Wait waits for up to len(dst) events for up to timeout (negative:
// without limit), decodes them with the generated decoder and replaces each
// descriptor with its registration's token. Records of descriptors
// deregistered meanwhile, and the wake-up of Close, are dropped. A signal
// ends the wait early with no events.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	// The use keeps the descriptor open until this Wait has returned; Close
	// wakes it (the contract's safety rule).
	if !s.Acquire() {
		return 0, ErrClosed
	}
	defer s.Release()
	if len(s.buf) < len(dst) {
		s.buf = make([]unix.Kevent_t, len(dst)) // once per ring size
	}
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	n, err := unix.Kevent(s.kq, nil, s.buf[:len(dst)], ts)
	switch {
	case err == unix.EINTR:
		return 0, nil
	case err != nil:
		return 0, os.NewSyscallError("kevent", err)
	case n == 0:
		return 0, nil
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&s.buf[0])), n*int(unsafe.Sizeof(s.buf[0])))
	n = kevent.Decode(dst, raw, keventLayout)
	return s.resolve(dst[:n]), nil
}

func (s *Selector) resolve(evs []events.Event) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := 0
	for _, e := range evs {
		var t events.Token
		var ok bool
		if hasUserFilter && int16(e.Raw()) == userFilter {
			t, ok = s.waker.token, s.waker.live && e.Token() == wakerIdent
		} else {
			t, ok = s.tokens[int(e.Token())]
		}
		if ok {
			evs[k] = events.MakeEvent(t, e.Flags(), e.Raw())
			k++
		}
	}
	return k
}

// Close closes the selector. A goroutine blocked in the wait is woken and
// then sees the selector closed; the descriptor itself is closed when the
// last user leaves. Close is idempotent.
func (s *Selector) Close() error {
	if !s.Acquire() {
		return nil
	}
	s.ref.closeWaking(s.wakeForClose)
	s.Release()
	return nil
}

// wakeForClose makes any wait in progress return: a pipe with a byte in it,
// registered without a token (resolve drops its event).
func (s *Selector) wakeForClose() {
	p, err := newPipe()
	if err != nil {
		return
	}
	s.closeWake = p
	if s.change(p[0], unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR) == nil {
		_, _ = unix.Write(p[1], []byte{1})
	}
}

func (s *Selector) destroy() {
	forgetOwner(s)
	for _, fd := range s.closeWake {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	unix.Close(s.kq)
}

// newPipe creates a non-blocking, close-on-exec pipe.
func newPipe() ([2]int, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return p, err
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return p, err
		}
	}
	return p, nil
}
