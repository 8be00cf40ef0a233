//go:build (unix && !linux) || windows

package net

// The proxy features beyond mio are Linux's (sendmmsg, recvmmsg, splice);
// here they return errNotLinux, which matches errors.ErrUnsupported.

// SendBatch returns an error matching errors.ErrUnsupported: batches are
// Linux's sendmmsg. On a closed socket it returns mio.ErrClosed, as on Linux.
func (u *UDPSocket) SendBatch(ms []Message) (int, error) { return 0, u.noBatches() }

// RecvBatch returns an error matching errors.ErrUnsupported: batches are
// Linux's recvmmsg. On a closed socket it returns mio.ErrClosed, as on Linux.
func (u *UDPSocket) RecvBatch(ms []Message) (int, error) { return 0, u.noBatches() }

func (u *UDPSocket) noBatches() error {
	if _, err := u.sysfd(); err != nil {
		return err
	}
	return errNotLinux
}
