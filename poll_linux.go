//go:build linux

package mio

import (
	"math"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Fd returns the epoll descriptor, for embedding this Poll in another
// poller. It stays owned by the Poll.
func (p *Poll) Fd() int { return p.sel.Fd() }

// waitNow fills free with the events ready now. A zero-timeout wait cannot
// block, so it is the raw trampoline, with no scheduler involvement.
func waitNow(epfd int, free []Event) (int, uintptr) {
	return epollWaitDecode(epfd, &free[0], len(free), 0)
}

// pollNow is one zero-timeout wait: the raw trampoline, and a retry after a
// signal. Busy polling spins on it.
func (p *Poll) pollNow(free []Event) (int, error) {
	n, e := waitNow(p.sel.Fd(), free)
	if e != 0 {
		return p.waitNowFailed(free, e)
	}
	return n, nil
}

// waitNowFailed retries a zero-timeout wait that a signal interrupted and
// reports any other failure.
func (p *Poll) waitNowFailed(free []Event, e uintptr) (int, error) {
	for e == uintptr(unix.EINTR) {
		var n int
		if n, e = waitNow(p.sel.Fd(), free); e == 0 {
			return n, nil
		}
	}
	return 0, os.NewSyscallError("epoll_pwait", syscall.Errno(e))
}

// block waits in epoll until an event, the deadline (for timeout > 0) or
// forever (timeout < 0); see wait.
func (p *Poll) block(free []Event, timeout time.Duration, deadline time.Time) (int, error) {
	epfd := p.sel.Fd()
	for {
		var n int
		var e uintptr
		switch {
		case timeout < 0:
			n, e = epollWaitDecodeBlocking(epfd, &free[0], len(free), -1)
		case pwait2.Load() >= 0:
			ts := unix.NsecToTimespec(max(0, int64(time.Until(deadline))))
			if n, e = epollPwait2DecodeBlocking(epfd, &free[0], len(free), &ts); e == uintptr(unix.ENOSYS) {
				pwait2.Store(-1) // kernel before 5.11: milliseconds from now on
				continue
			}
		default:
			n, e = epollWaitDecodeBlocking(epfd, &free[0], len(free), ceilMillis(time.Until(deadline)))
		}
		switch {
		case e == uintptr(unix.EINTR):
		case e != 0:
			return 0, os.NewSyscallError("epoll_pwait", syscall.Errno(e))
		case n > 0 || timeout < 0 || !time.Now().Before(deadline):
			return n, nil
		}
		// Interrupted, or a timeout longer than one epoll wait can express
		// ran out its first part: wait for what is left. A Close in the
		// meantime ends the wait.
		if p.sel.IsClosed() {
			return 0, nil
		}
	}
}

// HasMicrosecondTimeouts reports whether Poll honours timeouts to the
// microsecond (the kernel has epoll_pwait2, Linux 5.11 and later); without
// it they round up to the next millisecond. The answer is known after the
// first Poll with a positive timeout; before that it is true.
func HasMicrosecondTimeouts() bool { return pwait2.Load() >= 0 }

// pwait2 records whether the kernel has epoll_pwait2: 0 not known yet (it is
// tried), -1 absent.
var pwait2 atomic.Int32

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
