package mio

import (
	"errors"

	"github.com/gomio/mio/selector"
)

// ErrWouldBlock is the OS's own error where it has one, so it has a value
// per OS family, each in the file of its build tag: EAGAIN in fd_unix.go,
// WSAEWOULDBLOCK in errors_windows.go, an error of its own in
// errors_other.go.

// Sentinel errors, for errors.Is. OS errors are returned wrapped and stay
// matchable too (errors.Is(err, syscall.EBADF) and the like).
var (
	// ErrClosed is returned by every call on a closed Poll, Waker or socket.
	ErrClosed = selector.ErrClosed
	// ErrAlreadyRegistered is returned when a source is registered a second
	// time, with the same Poll or another one.
	ErrAlreadyRegistered = selector.ErrAlreadyRegistered
	// ErrNotRegistered is returned by Reregister and Deregister for a source
	// that this Poll does not hold.
	ErrNotRegistered = selector.ErrNotRegistered
	// ErrInvalidInterest is returned for a zero Interest, undefined bits, or
	// a kind the OS does not have (AIO and LIO on Linux; that error also
	// matches errors.ErrUnsupported).
	ErrInvalidInterest = selector.ErrInvalidInterest
	// ErrEventsFull is returned by Poll when the ring has no free slot:
	// consume events before polling again.
	ErrEventsFull = errors.New("mio: events ring is full")
	// ErrNoCapacity is returned by Poll for a nil ring or one of capacity 0.
	ErrNoCapacity = errors.New("mio: events ring is nil or has capacity 0")
	// ErrNilSource is returned when a nil Source is registered.
	ErrNilSource = errors.New("mio: nil source")
	// ErrNilRegistry is returned when a nil Registry or Poll is used.
	ErrNilRegistry = errors.New("mio: nil registry or poll")
	// ErrWakerExists is returned by NewWaker when the Poll already has one.
	ErrWakerExists = errors.New("mio: poll already has a waker")
)
