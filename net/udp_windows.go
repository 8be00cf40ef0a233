package net

import (
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
)

// udpState is empty: Winsock takes each address in its own family, and
// batches are Linux's.
type udpState struct{}

// BindUDP creates a UDP socket bound to addr (port 0 picks a free port).
func BindUDP(addr netip.AddrPort) (u *UDPSocket, err error) {
	sa, err := toSockaddr(addr)
	if err != nil {
		return nil, fmt.Errorf("mio/net: bind %v: %w", addr, err)
	}
	h, err := newSocket(familyOf(addr), windows.SOCK_DGRAM, windows.IPPROTO_UDP)
	if err != nil {
		return nil, err
	}
	defer closeOnError(h, &err)
	noConnReset(h)
	if err = windows.Bind(h, sa); err != nil {
		return nil, fmt.Errorf("mio/net: bind %v: %w", addr, err)
	}
	u = new(UDPSocket)
	u.owns(h)
	return u, nil
}

// noConnReset stops an ICMP port-unreachable from failing the next receive
// with WSAECONNRESET (Windows' default, unlike every other OS), as Go's net
// does. Where the ioctl is missing (Wine) the socket works without it.
func noConnReset(h windows.Handle) {
	off := uint32(0)
	var n uint32
	_ = windows.WSAIoctl(h, windows.SIO_UDP_CONNRESET, (*byte)(unsafe.Pointer(&off)), 4, nil, 0, &n, nil, 0)
}

// SendTo sends one datagram to addr; mio.ErrWouldBlock when the socket
// buffer is full.
func (u *UDPSocket) SendTo(p []byte, addr netip.AddrPort) (int, error) {
	h, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	sa, err := toSockaddr(addr)
	if err != nil {
		return 0, fmt.Errorf("mio/net: sendto %v: %w", addr, err)
	}
	if err := windows.Sendto(h, p, 0, sa); err != nil {
		return 0, u.ioError(err)
	}
	u.rearm()
	return len(p), nil
}

// RecvFrom receives one datagram and its sender; an empty datagram is
// (0, addr, nil). mio.ErrWouldBlock when none is queued.
func (u *UDPSocket) RecvFrom(p []byte) (int, netip.AddrPort, error) { return u.recvFrom(p, 0) }

// PeekFrom is RecvFrom without consuming the datagram.
func (u *UDPSocket) PeekFrom(p []byte) (int, netip.AddrPort, error) {
	return u.recvFrom(p, windows.MSG_PEEK)
}

func (u *UDPSocket) recvFrom(p []byte, flags int) (int, netip.AddrPort, error) {
	h, err := u.sysfd()
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	var one [1]byte
	if len(p) == 0 {
		p = one[:0:1] // recvfrom needs a buffer even to take an empty datagram
	}
	n, from, err := windows.Recvfrom(h, p, flags)
	if err != nil {
		return 0, netip.AddrPort{}, u.ioError(err)
	}
	u.rearm()
	return n, fromSockaddr(from), nil
}

// Connect sets the peer: Send and Recv then use it, and datagrams from
// other addresses are dropped.
func (u *UDPSocket) Connect(addr netip.AddrPort) error {
	h, err := u.sysfd()
	if err != nil {
		return err
	}
	sa, err := toSockaddr(addr)
	if err != nil {
		return fmt.Errorf("mio/net: connect %v: %w", addr, err)
	}
	if err := windows.Connect(h, sa); err != nil {
		return fmt.Errorf("mio/net: connect %v: %w", addr, err)
	}
	return nil
}

// Send sends one datagram to the connected peer.
func (u *UDPSocket) Send(p []byte) (int, error) {
	h, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	wb := windows.WSABuf{Len: uint32(len(p)), Buf: unsafe.SliceData(p)}
	var n uint32
	if err := windows.WSASend(h, &wb, 1, &n, 0, nil, nil); err != nil {
		return 0, u.ioError(err)
	}
	u.rearm()
	return int(n), nil
}

// Recv receives one datagram from the connected peer.
func (u *UDPSocket) Recv(p []byte) (int, error) { return u.recv(p, 0) }

// Peek is Recv without consuming the datagram.
func (u *UDPSocket) Peek(p []byte) (int, error) { return u.recv(p, windows.MSG_PEEK) }

func (u *UDPSocket) recv(p []byte, flags uint32) (int, error) {
	h, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	var one [1]byte
	if len(p) == 0 {
		p = one[:0:1]
	}
	wb := windows.WSABuf{Len: uint32(len(p)), Buf: unsafe.SliceData(p)}
	var n uint32
	if err := windows.WSARecv(h, &wb, 1, &n, &flags, nil, nil); err != nil {
		return 0, u.ioError(err)
	}
	u.rearm()
	return int(n), nil
}

// LocalAddr returns the local address.
func (u *UDPSocket) LocalAddr() (netip.AddrPort, error) { return u.inetName(false) }

// PeerAddr returns the connected peer; WSAENOTCONN when not connected.
func (u *UDPSocket) PeerAddr() (netip.AddrPort, error) { return u.inetName(true) }

// SetBroadcast sets SO_BROADCAST.
func (u *UDPSocket) SetBroadcast(on bool) error {
	return u.setBool(windows.SOL_SOCKET, windows.SO_BROADCAST, on)
}

// Broadcast returns the value SetBroadcast sets.
func (u *UDPSocket) Broadcast() (bool, error) {
	return u.getBool(windows.SOL_SOCKET, windows.SO_BROADCAST)
}

// SetMulticastLoopV4 sets IP_MULTICAST_LOOP.
func (u *UDPSocket) SetMulticastLoopV4(on bool) error {
	return u.setBool(windows.IPPROTO_IP, windows.IP_MULTICAST_LOOP, on)
}

// MulticastLoopV4 returns the value SetMulticastLoopV4 sets.
func (u *UDPSocket) MulticastLoopV4() (bool, error) {
	return u.getBool(windows.IPPROTO_IP, windows.IP_MULTICAST_LOOP)
}

// SetMulticastTTLV4 sets IP_MULTICAST_TTL, from 0 to 255 (another value
// is an error matching syscall.EINVAL).
func (u *UDPSocket) SetMulticastTTLV4(ttl int) error {
	if err := u.checkMulticastTTL(ttl); err != nil {
		return err
	}
	return u.setInt(windows.IPPROTO_IP, windows.IP_MULTICAST_TTL, ttl)
}

// MulticastTTLV4 returns the value SetMulticastTTLV4 sets.
func (u *UDPSocket) MulticastTTLV4() (int, error) {
	return u.getInt(windows.IPPROTO_IP, windows.IP_MULTICAST_TTL)
}

// SetMulticastLoopV6 sets IPV6_MULTICAST_LOOP.
func (u *UDPSocket) SetMulticastLoopV6(on bool) error {
	return u.setBool(windows.IPPROTO_IPV6, windows.IPV6_MULTICAST_LOOP, on)
}

// MulticastLoopV6 returns the value SetMulticastLoopV6 sets.
func (u *UDPSocket) MulticastLoopV6() (bool, error) {
	return u.getBool(windows.IPPROTO_IPV6, windows.IPV6_MULTICAST_LOOP)
}

// SetTTL sets the IP time-to-live (IPv4) or hop limit (IPv6).
func (u *UDPSocket) SetTTL(ttl int) error { return u.setTTL(ttl) }

// TTL returns the value SetTTL sets.
func (u *UDPSocket) TTL() (int, error) { return u.ttl() }

// OnlyV6 reports IPV6_V6ONLY.
func (u *UDPSocket) OnlyV6() (bool, error) {
	return u.getBool(windows.IPPROTO_IPV6, windows.IPV6_V6ONLY)
}

// JoinMulticastV4 joins group on the interface with address iface
// (unspecified: the system's choice).
func (u *UDPSocket) JoinMulticastV4(group, iface netip.Addr) error {
	return u.membershipV4(windows.IP_ADD_MEMBERSHIP, group, iface)
}

// LeaveMulticastV4 leaves a group joined with JoinMulticastV4.
func (u *UDPSocket) LeaveMulticastV4(group, iface netip.Addr) error {
	return u.membershipV4(ipDropMembership, group, iface)
}

func (u *UDPSocket) membershipV4(opt int, group, iface netip.Addr) error {
	h, err := u.sysfd()
	if err != nil {
		return err
	}
	if !group.Is4() || (iface.IsValid() && !iface.Is4()) {
		return fmt.Errorf("%w: IPv4 multicast %v on %v", errNoAddress, group, iface)
	}
	m := windows.IPMreq{Multiaddr: group.As4()}
	if iface.IsValid() {
		m.Interface = iface.As4()
	}
	if err := windows.SetsockoptIPMreq(h, windows.IPPROTO_IP, opt, &m); err != nil {
		return fmt.Errorf("mio/net: multicast membership: %w", err)
	}
	return nil
}

// JoinMulticastV6 joins group on the interface with index ifindex (0: the
// system's choice).
func (u *UDPSocket) JoinMulticastV6(group netip.Addr, ifindex uint32) error {
	return u.membershipV6(windows.IPV6_JOIN_GROUP, group, ifindex)
}

// LeaveMulticastV6 leaves a group joined with JoinMulticastV6.
func (u *UDPSocket) LeaveMulticastV6(group netip.Addr, ifindex uint32) error {
	return u.membershipV6(ipv6LeaveGroup, group, ifindex)
}

func (u *UDPSocket) membershipV6(opt int, group netip.Addr, ifindex uint32) error {
	h, err := u.sysfd()
	if err != nil {
		return err
	}
	if !group.Is6() || group.Is4In6() {
		return fmt.Errorf("%w: IPv6 multicast %v", errNoAddress, group)
	}
	m := windows.IPv6Mreq{Multiaddr: group.As16(), Interface: ifindex}
	if err := windows.SetsockoptIPv6Mreq(h, windows.IPPROTO_IPV6, opt, &m); err != nil {
		return fmt.Errorf("mio/net: multicast membership: %w", err)
	}
	return nil
}
