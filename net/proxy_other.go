//go:build !linux

package net

// The proxy features beyond mio are Linux's (sendmmsg, recvmmsg, splice);
// here they return errNotLinux, which matches errors.ErrUnsupported.

// SendBatch returns an error matching errors.ErrUnsupported: batches are
// Linux's sendmmsg.
func (u *UDPSocket) SendBatch(ms []Message) (int, error) { return 0, errNotLinux }

// RecvBatch returns an error matching errors.ErrUnsupported: batches are
// Linux's recvmmsg.
func (u *UDPSocket) RecvBatch(ms []Message) (int, error) { return 0, errNotLinux }

// Relay is Linux's zero-copy relay (splice); it cannot be created here.
type Relay struct{}

// NewRelay returns an error matching errors.ErrUnsupported.
func NewRelay(dst, src *TCPStream) (*Relay, error) { return nil, errNotLinux }

// Pump returns an error matching errors.ErrUnsupported.
func (r *Relay) Pump() (int64, error) { return 0, errNotLinux }

// Buffered returns 0.
func (r *Relay) Buffered() int { return 0 }

// Close returns an error matching errors.ErrUnsupported.
func (r *Relay) Close() error { return errNotLinux }
