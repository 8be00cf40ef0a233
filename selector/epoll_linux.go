//go:build linux

package selector

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// Selector is an epoll instance: edge-triggered registrations keyed by
// descriptor, each carrying the user's 64-bit token in epoll_event.data.
type Selector struct {
	epfd int
	ref  fdRef
}

// New creates a close-on-exec epoll instance.
func New() (*Selector, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("mio: epoll_create1: %w", err)
	}
	return &Selector{epfd: fd}, nil
}

// Fd returns the epoll descriptor.
func (s *Selector) Fd() int { return s.epfd }

// Acquire marks the start of a use of the descriptor (a wait, a registry
// call); false means the selector is closed. Every true must be paired with
// Release.
func (s *Selector) Acquire() bool { return s.ref.acquire() }

// Release ends a use begun by Acquire. The last use after Close closes the
// descriptor.
func (s *Selector) Release() {
	if s.ref.state.Add(-1) == closedBit {
		s.lastRelease()
	}
}

func (s *Selector) lastRelease() {
	if s.ref.lastOut() {
		s.destroy()
	}
}

// IsClosed reports whether Close has been called.
func (s *Selector) IsClosed() bool { return s.ref.isClosed() }

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
	if !s.Acquire() {
		return false
	}
	defer s.Release()
	return s.ctl(unix.EPOLL_CTL_MOD, fd, o.bits, o.token) == nil
}

// Close closes the selector; registry calls return ErrClosed from then on,
// and the descriptor is closed when the last call in progress leaves. A
// goroutine waiting on Fd itself must have left its wait first: the root
// package's Poll makes sure of it (closeguard_linux.go). Close is idempotent.
func (s *Selector) Close() error {
	if _, destroy := s.ref.close(); destroy {
		s.destroy()
	}
	return nil
}

func (s *Selector) destroy() {
	forgetOwner(s)
	unix.Close(s.epfd)
}
