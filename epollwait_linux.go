//go:build linux

package mio

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// EpollWait is a drop-in for golang.org/x/sys/unix.EpollWait, for code that
// has its own event loop: same signature, same results (-1 and the error on
// failure, EINTR included), faster. With msec == 0 it is one raw syscall that
// the scheduler never sees; otherwise the wait is announced to the runtime
// like any blocking syscall.
func EpollWait(epfd int, events []unix.EpollEvent, msec int) (n int, err error) {
	p := unsafe.Pointer(&zeroEpollEvent)
	if len(events) > 0 {
		p = unsafe.Pointer(&events[0])
	}
	var e uintptr
	if msec == 0 {
		n, e = epollWait(epfd, p, len(events), 0)
	} else {
		n, e = epollWaitBlocking(epfd, p, len(events), msec)
	}
	if e != 0 {
		return n, errnoErr(syscall.Errno(e))
	}
	return n, nil
}

var zeroEpollEvent unix.EpollEvent

// errnoErr returns the common errnos as preallocated values, as x/sys does,
// so that a failing wait does not allocate either.
func errnoErr(e syscall.Errno) error {
	switch e {
	case unix.EAGAIN:
		return errEAGAIN
	case unix.EINVAL:
		return errEINVAL
	case unix.ENOENT:
		return errENOENT
	}
	return e
}

var (
	errEAGAIN error = unix.EAGAIN
	errEINVAL error = unix.EINVAL
	errENOENT error = unix.ENOENT
)
