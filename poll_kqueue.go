//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package mio

// Fd returns the kqueue descriptor, for embedding this Poll in another
// poller. It stays owned by the Poll.
func (p *Poll) Fd() int { return p.sel.Fd() }

// HasMicrosecondTimeouts reports true: kevent takes a timespec.
func HasMicrosecondTimeouts() bool { return true }
