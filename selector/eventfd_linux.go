//go:build linux

package selector

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NewEventFd returns a non-blocking, close-on-exec eventfd: the primitive
// behind the Waker. Registered edge-triggered, every write to it is a new
// readable edge, so it never needs reading except when its counter is full.
func NewEventFd() (int, error) {
	return unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
}

// SignalEventFd adds one to the eventfd counter. The write cannot block (the
// descriptor is non-blocking), so it is a raw syscall. When the counter is
// full (after 2^64-2 signals) it is reset and the write repeated, as mio does.
func SignalEventFd(fd int) error {
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
