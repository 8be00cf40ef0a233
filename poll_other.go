//go:build !linux

package mio

import "time"

// wait is never reached: New fails on targets without a selector.
func (p *Poll) wait(free []Event, timeout time.Duration) (int, error) { return 0, ErrClosed }

func (p *Poll) pollNow(free []Event) (int, error) { return 0, ErrClosed }
