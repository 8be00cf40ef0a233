//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd && !windows

package mio

import "time"

// block is never reached: New fails on targets without a selector.
func (p *Poll) block(free []Event, timeout time.Duration, deadline time.Time) (int, error) {
	return 0, ErrClosed
}

func waitNow(fd int, free []Event) (int, uintptr) { return 0, 1 }

func (p *Poll) waitNowFailed(free []Event, e uintptr) (int, error) { return 0, ErrClosed }

func (p *Poll) pollNow(free []Event) (int, error) { return 0, ErrClosed }

// HasMicrosecondTimeouts reports false: there is no poller here yet.
func HasMicrosecondTimeouts() bool { return false }
