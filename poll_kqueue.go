//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package mio

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Fd returns the kqueue descriptor, for embedding this Poll in another
// poller. It stays owned by the Poll.
func (p *Poll) Fd() int { return p.sel.Fd() }

// useSelector is what waitNow returns on kqueue: there is no raw-trampoline
// fast path here (darwin must go through libSystem), so Poll takes
// waitNowFailed, which makes the zero-timeout wait through the selector.
const useSelector = ^uintptr(0)

func waitNow(fd int, free []Event) (int, uintptr) { return 0, useSelector }

// waitNowFailed makes a zero-timeout wait, retrying it after a signal.
func (p *Poll) waitNowFailed(free []Event, _ uintptr) (int, error) {
	var zero unix.Timespec
	for {
		n, err := p.sel.Wait(free, &zero)
		if err != unix.EINTR {
			return n, kevError(err)
		}
	}
}

// wait fills free with ready events, blocking for up to timeout (forever
// when negative); see Poll for the contract. kqueue takes a timespec, so a
// timeout is honoured to the nanosecond the kernel can.
func (p *Poll) wait(free []Event, timeout time.Duration) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		var ts *unix.Timespec
		if timeout > 0 {
			t := unix.NsecToTimespec(max(0, int64(time.Until(deadline))))
			ts = &t
		}
		n, err := p.sel.Wait(free, ts)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return 0, kevError(err)
		case n > 0 || (timeout > 0 && !time.Now().Before(deadline)):
			return n, nil
		}
		// Interrupted, or only records that were dropped (a source
		// deregistered meanwhile, Close's wake-up): wait for what is left.
		if p.sel.IsClosed() {
			return 0, nil
		}
	}
}

func kevError(err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError("kevent", err)
}

// SetBusyPoll does nothing on kqueue: busy polling is implemented on Linux.
func (p *Poll) SetBusyPoll(d time.Duration) {}

// HasMicrosecondTimeouts reports true: kevent takes a timespec.
func HasMicrosecondTimeouts() bool { return true }
