//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd && !windows

package mio

import (
	"time"

	"github.com/gomio/mio/selector"
)

// block is never reached: New fails on targets without a selector.
func (p *Poll) block(free []Event, timeout time.Duration, deadline time.Time) (int, error) {
	return 0, ErrClosed
}

func waitNow(fd int, free []Event) (int, uintptr) { return 0, 1 }

func (p *Poll) waitNowFailed(free []Event, e uintptr) (int, error) { return 0, ErrClosed }

func (p *Poll) pollNow(free []Event) (int, error) { return 0, ErrClosed }

// HasMicrosecondTimeouts reports false: there is no poller here yet.
func HasMicrosecondTimeouts() bool { return false }

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
