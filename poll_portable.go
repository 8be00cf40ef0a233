//go:build darwin || dragonfly || freebsd || netbsd || openbsd || windows

package mio

import (
	"time"

	"github.com/gomio/mio/selector"
)

// On kqueue and IOCP the wait goes through the selector: there is no
// raw-trampoline fast path (darwin must call libSystem, Windows kernel32).

// useSelector is what waitNow returns here, so that Poll takes
// waitNowFailed, which makes the zero-timeout wait through the selector.
const useSelector = ^uintptr(0)

// It takes the selector's Fd, an int on Unix and a handle on Windows.
func waitNow[F int | uintptr](_ F, free []Event) (int, uintptr) { return 0, useSelector }

func (p *Poll) waitNowFailed(free []Event, _ uintptr) (int, error) {
	return p.pollNow(free)
}

// pollNow is one zero-timeout wait through the selector. Busy polling
// spins on it.
func (p *Poll) pollNow(free []Event) (int, error) { return p.sel.Wait(free, 0) }

// block waits in the selector until an event, the deadline (for
// timeout > 0) or forever (timeout < 0); see wait.
func (p *Poll) block(free []Event, timeout time.Duration, deadline time.Time) (int, error) {
	for {
		left := timeout
		if timeout > 0 {
			left = max(0, time.Until(deadline))
		}
		n, err := p.sel.Wait(free, left)
		switch {
		case err != nil:
			return 0, err
		case n > 0, timeout > 0 && !time.Now().Before(deadline), p.isClosed():
			return n, nil
		}
		// A signal, or only completions that carry no event (a poll
		// cancelled to be re-armed, a source deregistered meanwhile):
		// wait for what is left.
	}
}

// closeGuard is the selector's own: its Wait and registry calls hold a use
// of it, and Close wakes a wait in progress.
type closeGuard struct{}

func (*closeGuard) init(*selector.Selector) error { return nil }

func (p *Poll) enter() bool { return p.sel.Acquire() }

func (p *Poll) exit() (closed bool) {
	closed = p.sel.IsClosed()
	p.sel.Release()
	return closed
}

func (p *Poll) leaveClosed() {} // a failed Acquire holds nothing; exit released

func (p *Poll) isClosed() bool { return p.sel.IsClosed() }

func (p *Poll) close() error { return p.sel.Close() }
