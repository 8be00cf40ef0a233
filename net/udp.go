//go:build unix || windows

package net

import (
	"fmt"
	"syscall"
)

// UDPSocket is a non-blocking UDP socket, unconnected (SendTo, RecvFrom) or
// connected to one peer (Send, Recv). SendBatch and RecvBatch move many
// datagrams per syscall on Linux (elsewhere they return an error matching
// errors.ErrUnsupported). Like every socket, it is for one goroutine at a
// time.
type UDPSocket struct {
	socket
	udpState // per OS: what its UDP code keeps beside the socket
}

// The methods are per OS family, in udp_unix.go and udp_windows.go.

// checkMulticastTTL refuses a TTL that IPv4's one byte cannot hold, on an
// open socket (on a closed one, mio.ErrClosed comes first, as from every
// call).
func (u *UDPSocket) checkMulticastTTL(ttl int) error {
	if _, err := u.sysfd(); err != nil {
		return err
	}
	if ttl < 0 || ttl > 255 {
		return fmt.Errorf("mio/net: multicast TTL %d is not within 0..255: %w", ttl, syscall.EINVAL)
	}
	return nil
}
