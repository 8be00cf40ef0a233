//go:build linux && !mio_poll

package selector

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// Selector is an epoll instance: edge-triggered registrations keyed by
// descriptor, each carrying the user's 64-bit token in epoll_event.data.
type Selector struct {
	epfd int
	ref  fdRef // registry calls and Wait hold a use; the last one out after Close destroys

	mu       sync.Mutex
	closeFd  int               // eventfd that Close signals to end a Wait; -1 until a Wait needs it
	received []unix.EpollEvent // Wait's records; only the waiting goroutine uses it
}

// New creates a close-on-exec epoll instance.
func New() (*Selector, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("mio: epoll_create1: %w", err)
	}
	return &Selector{epfd: fd, closeFd: -1}, nil
}

// Fd returns the epoll descriptor, for a wait of the caller's own (see the
// safety rule in the package documentation). It stays owned by s.
func (s *Selector) Fd() int { return s.epfd }

// epollBits maps an Interest to the epoll_ctl event mask: always
// edge-triggered, and EPOLLRDHUP with EPOLLIN so that a peer's shutdown is
// reported as read-closed, as mio does.
func epollBits(i events.Interest) (uint32, error) {
	if !i.Valid() {
		return 0, ErrInvalidInterest
	}
	if i.IsAIO() || i.IsLIO() {
		return 0, fmt.Errorf("%w: %v on Linux: %w", ErrInvalidInterest, i, errors.ErrUnsupported)
	}
	bits := uint32(unix.EPOLLET)
	if i.IsReadable() {
		bits |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if i.IsWritable() {
		bits |= unix.EPOLLOUT
	}
	if i.IsPriority() {
		bits |= unix.EPOLLPRI
	}
	return bits, nil
}

func (s *Selector) ctl(op, fd int, bits uint32, t events.Token) error {
	ev := unix.EpollEvent{Events: bits}
	// data is a union at the same offset on every layout x/sys defines; the
	// token occupies all 64 bits of it.
	*(*uint64)(unsafe.Pointer(&ev.Fd)) = uint64(t)
	return unix.EpollCtl(s.epfd, op, fd, &ev)
}

// Register adds fd with token t and interest i. A descriptor that is already
// registered, with this selector or another one, gives ErrAlreadyRegistered.
func (s *Selector) Register(fd int, t events.Token, i events.Interest) error {
	bits, err := epollBits(i)
	if err != nil {
		return err
	}
	sh, err := s.lockUnowned(fd, "register")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	switch err := s.ctl(unix.EPOLL_CTL_ADD, fd, bits, t); err {
	case nil:
		sh.put(fd, owner{sel: s, bits: bits, token: t})
		return nil
	case unix.EEXIST:
		return ErrAlreadyRegistered
	default:
		return fmt.Errorf("mio: register fd %d: %w", fd, err)
	}
}

// Reregister replaces the token and interest of a registered fd.
func (s *Selector) Reregister(fd int, t events.Token, i events.Interest) error {
	bits, err := epollBits(i)
	if err != nil {
		return err
	}
	sh, err := s.lockFd(fd, "reregister")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	switch err := s.ctl(unix.EPOLL_CTL_MOD, fd, bits, t); err {
	case nil:
		sh.put(fd, owner{sel: s, bits: bits, token: t})
		return nil
	case unix.ENOENT:
		return ErrNotRegistered
	default:
		return fmt.Errorf("mio: reregister fd %d: %w", fd, err)
	}
}

// Deregister removes fd. Once it returns, no wait that starts afterwards
// reports an event for fd.
func (s *Selector) Deregister(fd int) error {
	sh, err := s.lockFd(fd, "deregister")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	switch err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, fd, nil); err {
	case nil:
		if sh.regs[fd].sel == s {
			delete(sh.regs, fd)
		}
		return nil
	case unix.ENOENT:
		return ErrNotRegistered
	default:
		return fmt.Errorf("mio: deregister fd %d: %w", fd, err)
	}
}

// holds asks the kernel whether fd, recorded as o, is still registered here.
// The record goes stale when a user closes a descriptor without
// deregistering it and the OS reuses the number: epoll forgets a closed
// file, but the table cannot see the close. Re-applying the same
// registration is harmless when it is live (at most a spurious event) and
// fails with ENOENT when it is stale. See lockUnowned for the locking.
func (s *Selector) holds(fd int, o owner) bool {
	if !s.acquire() {
		return false
	}
	defer s.release()
	return s.ctl(unix.EPOLL_CTL_MOD, fd, o.bits, o.token) == nil
}

// Wait waits for readiness and fills dst (see the contract in the package
// documentation). Timeouts are rounded up to the millisecond; package mio's
// Poll, which waits on Fd with its generated trampoline, honours
// microseconds. The eventfd that lets Close end a blocking Wait is created
// by the first one, before it blocks, so that Close never needs a
// descriptor; if it cannot be created, that Wait returns the error.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	if !s.acquire() {
		return 0, ErrClosed
	}
	defer s.release()
	if timeout != 0 {
		if err := s.prepareClose(); err != nil {
			return 0, err
		}
	}
	if len(s.received) < len(dst) {
		s.received = make([]unix.EpollEvent, len(dst)) // once per ring size
	}
	n, err := unix.EpollWait(s.epfd, s.received[:len(dst)], waitMillis(timeout))
	switch {
	case s.ref.isClosed():
		return 0, ErrClosed
	case err == unix.EINTR:
		return 0, nil
	case err != nil:
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	for i, r := range s.received[:n] {
		token := *(*uint64)(unsafe.Pointer(&r.Fd)) // the 64-bit data union; see ctl
		dst[i] = events.MakeEvent(events.Token(token), EpollFlags(r.Events), r.Events)
	}
	return n, nil
}

// prepareClose registers the eventfd that Close signals, once. Its token
// never reaches a caller: a Wait that wakes for Close returns ErrClosed.
func (s *Selector) prepareClose() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ref.isClosed():
		return ErrClosed // Close has looked for the eventfd already
	case s.closeFd >= 0:
		return nil
	}
	fd, err := newEventFd()
	if err != nil {
		return fmt.Errorf("mio: eventfd for Close: %w", err)
	}
	if err := s.ctl(unix.EPOLL_CTL_ADD, fd, unix.EPOLLIN|unix.EPOLLET, 0); err != nil {
		unix.Close(fd)
		return fmt.Errorf("mio: register eventfd for Close: %w", err)
	}
	s.closeFd = fd
	return nil
}

// waitMillis converts a Wait timeout to epoll's milliseconds, rounding up
// so that a wait is never shorter than asked.
func waitMillis(d time.Duration) int {
	switch {
	case d < 0:
		return -1
	case d >= math.MaxInt32*time.Millisecond:
		return math.MaxInt32
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// Close closes the selector; registry calls and Wait return ErrClosed from
// then on. A Wait in progress is woken (through the eventfd it registered)
// and the descriptor is closed when the last call in progress has left. A
// wait on Fd made by the caller itself must have ended first: package mio's
// Poll makes sure of it with a handshake of its own. Close is idempotent.
func (s *Selector) Close() error {
	first, destroy := s.ref.close()
	if !first {
		return nil
	}
	s.mu.Lock()
	if s.closeFd >= 0 {
		_ = signalEventFd(s.closeFd)
	}
	s.mu.Unlock()
	if destroy {
		s.destroy()
	}
	return nil
}

func (s *Selector) destroy() {
	forgetOwner(s)
	if s.closeFd >= 0 {
		unix.Close(s.closeFd)
	}
	unix.Close(s.epfd)
}
