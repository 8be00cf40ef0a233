//go:build linux

package mio

import (
	"math"
	"os"
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

// wait fills free with ready events, blocking for up to timeout (forever
// when negative); see Poll for the contract.
func (p *Poll) wait(free []Event, timeout time.Duration) (int, error) {
	epfd := p.sel.Fd()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		msec := -1
		if timeout > 0 {
			msec = ceilMillis(time.Until(deadline))
		}
		n, e := epollWaitDecodeBlocking(epfd, &free[0], len(free), msec)
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
