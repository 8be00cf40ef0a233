package net

import (
	"net"
	"net/netip"
)

// UDPSocket is a non-blocking UDP socket. WASI Preview 1 has no datagram
// sockets: its constructors return an error matching errors.ErrUnsupported,
// and a UDPSocket declared without one is closed (mio.ErrClosed), as
// everywhere. It exists so that code written for other targets builds.
type UDPSocket struct {
	socket
}

var errNoUDP = errNoWASI("UDP")

// BindUDP returns an error matching errors.ErrUnsupported.
func BindUDP(addr netip.AddrPort) (*UDPSocket, error) { return nil, errNoUDP }

// UDPSocketFromFd returns an error matching errors.ErrUnsupported and
// leaves fd as it was.
func UDPSocketFromFd(fd int) (*UDPSocket, error) { return nil, errNoUDP }

// UDPSocketFromStd returns an error matching errors.ErrUnsupported.
func UDPSocketFromStd(c *net.UDPConn) (*UDPSocket, error) { return nil, errNoUDP }

// The methods of a socket that cannot exist: mio.ErrClosed, as for any
// closed socket.

// SendTo returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SendTo(p []byte, addr netip.AddrPort) (int, error) { return 0, u.noOption("UDP") }

// RecvFrom returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) RecvFrom(p []byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, u.noOption("UDP")
}

// PeekFrom returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) PeekFrom(p []byte) (int, netip.AddrPort, error) {
	return 0, netip.AddrPort{}, u.noOption("UDP")
}

// Connect returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) Connect(addr netip.AddrPort) error { return u.noOption("UDP") }

// Send returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) Send(p []byte) (int, error) { return 0, u.noOption("UDP") }

// Recv returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) Recv(p []byte) (int, error) { return 0, u.noOption("UDP") }

// Peek returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) Peek(p []byte) (int, error) { return 0, u.noOption("UDP") }

// SendBatch returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SendBatch(ms []Message) (int, error) { return 0, u.noOption("UDP") }

// RecvBatch returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) RecvBatch(ms []Message) (int, error) { return 0, u.noOption("UDP") }

// LocalAddr returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) LocalAddr() (netip.AddrPort, error) { return u.noAddr("UDP") }

// PeerAddr returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) PeerAddr() (netip.AddrPort, error) { return u.noAddr("UDP") }

// SetBroadcast returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SetBroadcast(on bool) error { return u.noOption("UDP") }

// Broadcast returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) Broadcast() (bool, error) { return false, u.noOption("UDP") }

// SetMulticastLoopV4 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SetMulticastLoopV4(on bool) error { return u.noOption("UDP") }

// MulticastLoopV4 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) MulticastLoopV4() (bool, error) { return false, u.noOption("UDP") }

// SetMulticastTTLV4 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SetMulticastTTLV4(ttl int) error { return u.noOption("UDP") }

// MulticastTTLV4 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) MulticastTTLV4() (int, error) { return 0, u.noOption("UDP") }

// SetMulticastLoopV6 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SetMulticastLoopV6(on bool) error { return u.noOption("UDP") }

// MulticastLoopV6 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) MulticastLoopV6() (bool, error) { return false, u.noOption("UDP") }

// SetTTL returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) SetTTL(ttl int) error { return u.noOption("UDP") }

// TTL returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) TTL() (int, error) { return 0, u.noOption("UDP") }

// OnlyV6 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) OnlyV6() (bool, error) { return false, u.noOption("UDP") }

// JoinMulticastV4 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) JoinMulticastV4(group, iface netip.Addr) error { return u.noOption("UDP") }

// LeaveMulticastV4 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) LeaveMulticastV4(group, iface netip.Addr) error { return u.noOption("UDP") }

// JoinMulticastV6 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) JoinMulticastV6(group netip.Addr, ifindex uint32) error {
	return u.noOption("UDP")
}

// LeaveMulticastV6 returns mio.ErrClosed: no UDPSocket is open on wasip1.
func (u *UDPSocket) LeaveMulticastV6(group netip.Addr, ifindex uint32) error {
	return u.noOption("UDP")
}
