//go:build darwin || dragonfly || freebsd || netbsd || openbsd || windows

package net

// The proxy features beyond mio are Linux's (sendmmsg, recvmmsg, splice);
// here they return errNotLinux, which matches errors.ErrUnsupported.

// SendBatch returns an error matching errors.ErrUnsupported: batches are
// Linux's sendmmsg.
func (u *UDPSocket) SendBatch(ms []Message) (int, error) { return 0, errNotLinux }

// RecvBatch returns an error matching errors.ErrUnsupported: batches are
// Linux's recvmmsg.
func (u *UDPSocket) RecvBatch(ms []Message) (int, error) { return 0, errNotLinux }
