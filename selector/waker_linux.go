//go:build linux && !mio_poll

package selector

import (
	"syscall"
	"unsafe"

	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
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

// eventFd is the primitive behind the Waker: a non-blocking, close-on-exec
// eventfd. Registered edge-triggered, every write to it is a new readable
// edge, so it never needs reading except when its counter is full. Signal and
// Close are safe to call concurrently: a Signal never writes to a descriptor
// number that Close has released.
type eventFd struct {
	fd  int
	ref fdRef
}

// openEventFd creates an eventfd.
func openEventFd() (*eventFd, error) {
	fd, err := newEventFd()
	if err != nil {
		return nil, err
	}
	return &eventFd{fd: fd}, nil
}

// Fd returns the descriptor.
func (e *eventFd) Fd() int { return e.fd }

// Signal adds one to the counter; ErrClosed after Close.
func (e *eventFd) Signal() error {
	if !e.ref.acquire() {
		return ErrClosed
	}
	err := signalEventFd(e.fd)
	if e.ref.release() {
		unix.Close(e.fd)
	}
	return err
}

// Close releases the descriptor once no Signal is using it. A second Close
// returns ErrClosed.
func (e *eventFd) Close() error {
	first, destroy := e.ref.close()
	if !first {
		return ErrClosed
	}
	if destroy {
		return unix.Close(e.fd)
	}
	return nil
}

func newEventFd() (int, error) {
	return unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
}

// signalEventFd adds one to the counter. The write cannot block (the
// descriptor is non-blocking), so it is a raw syscall. When the counter is
// full (after 2^64-2 signals) it is reset and the write repeated, as mio does.
func signalEventFd(fd int) error {
	one := uint64(1)
	for {
		_, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&one)), 8)
		switch e {
		case 0:
			return nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			var sink uint64
			syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&sink)), 8)
		default:
			return e
		}
	}
}
