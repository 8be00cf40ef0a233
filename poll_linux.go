//go:build linux && !mio_poll

package mio

import (
	"math"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// nowFailure is how a zero-timeout wait fails here: with the trampoline's
// errno.
type nowFailure = uintptr

// checkNow fills free (never empty) with the events ready now. A
// zero-timeout wait cannot block, so it is the raw trampoline, with no
// scheduler involvement.
func (p *Poll) checkNow(free []Event) (int, uintptr) {
	return epollWaitDecode(p.sel.Fd(), unsafe.SliceData(free), len(free), 0)
}

// checkNowFailed retries a zero-timeout wait that a signal interrupted and
// reports any other failure.
func (p *Poll) checkNowFailed(free []Event, e uintptr) (int, error) {
	for e == uintptr(unix.EINTR) {
		interrupted()
		var n int
		if n, e = p.checkNow(free); e == 0 {
			return n, nil
		}
	}
	return 0, os.NewSyscallError("epoll_pwait", syscall.Errno(e))
}

// block waits in epoll until an event, the deadline (for timeout > 0) or
// forever (timeout < 0); see wait.
func (p *Poll) block(free []Event, timeout time.Duration, deadline time.Time) (int, error) {
	return blockOn(p.sel.Fd(), free, timeout, deadline, p.isClosed)
}

// blockOn is block on the epoll descriptor epfd; closed says whether a
// Close has come meanwhile, which ends a wait that must go on.
func blockOn(epfd int, free []Event, timeout time.Duration, deadline time.Time, closed func() bool) (int, error) {
	for {
		var n int
		var e uintptr
		call := "epoll_pwait"
		switch {
		case timeout < 0:
			n, e = epollWaitDecodeBlocking(epfd, &free[0], len(free), -1)
		case HasMicrosecondTimeouts():
			call = "epoll_pwait2"
			ts := unix.NsecToTimespec(max(0, int64(time.Until(deadline))))
			n, e = epollPwait2DecodeBlocking(epfd, &free[0], len(free), &ts)
		default:
			n, e = epollWaitDecodeBlocking(epfd, &free[0], len(free), ceilMillis(time.Until(deadline)))
		}
		switch {
		case e == uintptr(unix.EINTR):
			interrupted()
		case e != 0:
			return 0, os.NewSyscallError(call, syscall.Errno(e))
		case n > 0 || timeout < 0 || !time.Now().Before(deadline):
			return n, nil
		}
		// Interrupted, or a timeout longer than one epoll wait can express
		// ran out its first part: wait for what is left. A Close in the
		// meantime ends the wait.
		if closed() {
			return 0, nil
		}
	}
}

// HasMicrosecondTimeouts reports whether Poll honours timeouts to the
// microsecond (the kernel has epoll_pwait2, Linux 5.11 and later, and lets
// this process call it); without it they round up to the next millisecond.
// The kernel is asked once, so the answer never changes.
func HasMicrosecondTimeouts() bool {
	pwait2Once.Do(probePwait2)
	return hasPwait2
}

var (
	pwait2Once sync.Once
	hasPwait2  bool
)

// probePwait2 calls epoll_pwait2 on an invalid descriptor: EBADF means the
// kernel has it and this process may call it. Anything else is a refusal:
// ENOSYS before Linux 5.11, EPERM (or another errno) from a seccomp filter
// such as a container runtime's. On Android it is never tried: its seccomp
// filter kills an app that calls a syscall it does not allow (SIGSYS), and
// epoll_pwait2 is allowed only from Android 15.
func probePwait2() {
	if runtime.GOOS == "android" {
		return
	}
	var ev [1]unix.EpollEvent
	var ts unix.Timespec
	_, _, e := unix.Syscall6(unix.SYS_EPOLL_PWAIT2, ^uintptr(0), uintptr(unsafe.Pointer(&ev[0])), 1, uintptr(unsafe.Pointer(&ts)), 0, 0)
	hasPwait2 = e == unix.EBADF
}

// ceilMillis converts a duration to epoll's milliseconds, rounding up so that
// a wait is never shorter than asked; 0 stays 0 only for d <= 0.
func ceilMillis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	if d >= math.MaxInt32*time.Millisecond {
		return math.MaxInt32
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}
