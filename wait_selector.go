//go:build !linux || mio_poll

package mio

import (
	"sync/atomic"
	"time"

	"github.com/gomio/mio/selector"
)

// Every backend but epoll waits through the selector's Wait: darwin must
// call kevent through libSystem and Windows GetQueuedCompletionStatusEx
// through kernel32, so there is no raw trampoline to call, and the generated
// part is the selector's decoder; poll(2) (AIX, Solaris, illumos, and Linux
// with the tag mio_poll) keeps its set in Go. On a target without a selector New fails,
// and none of this is reached.

// nowFailure is how a zero-timeout wait fails here: with the selector's
// error.
type nowFailure = error

// checkNow is one zero-timeout Wait.
func (p *Poll) checkNow(free []Event) (int, error) { return p.sel.Wait(free, 0) }

// checkNowFailed reports the failure: Wait never reports an interrupted wait
// as one.
func (p *Poll) checkNowFailed(_ []Event, err error) (int, error) { return 0, err }

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

// closeGuard only records the Close: the selector's Wait and registry calls
// hold a use of it, and its Close wakes a Wait in progress (the contract in
// package selector).
type closeGuard struct {
	closed atomic.Bool
}

func (*closeGuard) init(*selector.Selector) error { return nil }

// enter, exit and leaveClosed bracket a wait as on Linux (closeguard_linux.go);
// here the selector needs nothing from them.
func (p *Poll) enter() bool { return !p.guard.closed.Load() }

func (p *Poll) exit() (closed bool) { return p.guard.closed.Load() }

func (p *Poll) leaveClosed() {}

func (p *Poll) isClosed() bool { return p.guard.closed.Load() }

func (p *Poll) close() error {
	if !p.guard.closed.CompareAndSwap(false, true) {
		return nil
	}
	return p.sel.Close()
}

// HasMicrosecondTimeouts reports whether Poll honours timeouts to the
// microsecond. The answer follows the backend, not the OS: kqueue and
// wasip1's poll_oneoff do (kevent takes a timespec, poll_oneoff
// nanoseconds); IOCP and poll(2) round up to the next
// millisecond (GetQueuedCompletionStatusEx and poll take milliseconds), so
// darwin or a BSD built with the tag mio_poll answers false; without a
// selector there is no Poll to honour them.
func HasMicrosecondTimeouts() bool { return waitTakesTimespec }
