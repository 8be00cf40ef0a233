//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd || windows

package net

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
