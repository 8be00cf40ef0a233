//go:build unix

package net

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// BindUDP creates a UDP socket bound to addr; port 0 picks a free port.
func BindUDP(addr netip.AddrPort) (u *UDPSocket, err error) {
	family := familyOf(addr)
	fd, err := newSocketFd(family, unix.SOCK_DGRAM)
	if err != nil {
		return nil, err
	}
	defer closeOnError(fd, &err)
	var rsa unix.RawSockaddrAny
	n, err := putInet(&rsa, family, addr)
	if err != nil {
		return nil, fmt.Errorf("mio/net: bind %v: %w", addr, err)
	}
	if err = bind(fd, &rsa, n); err != nil {
		return nil, fmt.Errorf("mio/net: bind %v: %w", addr, err)
	}
	return newUDPSocket(fd, family), nil
}

// udpState is what a UDP socket keeps beside its descriptor.
type udpState struct {
	domain int   // AF_INET or AF_INET6: the form SendTo and Connect put addresses in
	batch  batch // SendBatch and RecvBatch scratch (Linux's; empty elsewhere)
}

func newUDPSocket(fd, family int) *UDPSocket {
	u := new(UDPSocket)
	u.domain = family
	u.owns(fd)
	return u
}

// SendTo sends one datagram to addr and returns its length. An IPv4 address
// is mapped when the socket is IPv6.
func (u *UDPSocket) SendTo(p []byte, addr netip.AddrPort) (int, error) {
	fd, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	var rsa unix.RawSockaddrAny
	l, err := putInet(&rsa, u.domain, addr)
	if err != nil {
		return 0, err
	}
	return sendto(fd, p, 0, &rsa, l)
}

// RecvFrom receives one datagram and its sender. A datagram longer than p is
// truncated; an empty one reads as (0, addr, nil).
func (u *UDPSocket) RecvFrom(p []byte) (int, netip.AddrPort, error) {
	return u.recvFrom(p, 0)
}

// PeekFrom is RecvFrom without consuming the datagram.
func (u *UDPSocket) PeekFrom(p []byte) (int, netip.AddrPort, error) {
	return u.recvFrom(p, unix.MSG_PEEK)
}

func (u *UDPSocket) recvFrom(p []byte, flags int) (int, netip.AddrPort, error) {
	fd, err := u.sysfd()
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	var rsa unix.RawSockaddrAny
	n, _, err := recvfrom(fd, p, flags, &rsa)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return n, inetAddr(&rsa), nil
}

// Connect sets the socket's one peer: Send and Recv then talk to it, and
// datagrams from anyone else are dropped by the kernel.
func (u *UDPSocket) Connect(addr netip.AddrPort) error {
	fd, err := u.sysfd()
	if err != nil {
		return err
	}
	var rsa unix.RawSockaddrAny
	l, err := putInet(&rsa, u.domain, addr)
	if err != nil {
		return err
	}
	if err := connect(fd, &rsa, l); err != nil {
		return fmt.Errorf("mio/net: connect %v: %w", addr, err)
	}
	return nil
}

// Send sends one datagram to the connected peer; on an unconnected socket it
// fails with an error matching syscall.EDESTADDRREQ.
func (u *UDPSocket) Send(p []byte) (int, error) {
	fd, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	return sysSend(fd, p, 0)
}

// Recv receives one datagram from the connected peer.
func (u *UDPSocket) Recv(p []byte) (int, error) {
	fd, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	return sysRecv(fd, p, 0)
}

// Peek is Recv without consuming the datagram.
func (u *UDPSocket) Peek(p []byte) (int, error) {
	fd, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	return sysRecv(fd, p, unix.MSG_PEEK)
}

// LocalAddr returns the bound address.
func (u *UDPSocket) LocalAddr() (netip.AddrPort, error) { return u.inetName(false) }

// PeerAddr returns the connected peer; ENOTCONN when not connected.
func (u *UDPSocket) PeerAddr() (netip.AddrPort, error) { return u.inetName(true) }

// SetBroadcast sets SO_BROADCAST.
func (u *UDPSocket) SetBroadcast(on bool) error {
	return u.setBool(unix.SOL_SOCKET, unix.SO_BROADCAST, on)
}

// Broadcast returns SO_BROADCAST.
func (u *UDPSocket) Broadcast() (bool, error) { return u.getBool(unix.SOL_SOCKET, unix.SO_BROADCAST) }

// SetMulticastLoopV4 sets IP_MULTICAST_LOOP.
func (u *UDPSocket) SetMulticastLoopV4(on bool) error {
	var v byte
	if on {
		v = 1
	}
	return u.setIPv4Byte(unix.IP_MULTICAST_LOOP, v)
}

// MulticastLoopV4 returns IP_MULTICAST_LOOP.
func (u *UDPSocket) MulticastLoopV4() (bool, error) {
	v, err := u.ipv4Byte(unix.IP_MULTICAST_LOOP)
	return v != 0, err
}

// SetMulticastTTLV4 sets IP_MULTICAST_TTL, from 0 to 255 (another value
// is an error matching syscall.EINVAL).
func (u *UDPSocket) SetMulticastTTLV4(ttl int) error {
	if err := u.checkMulticastTTL(ttl); err != nil {
		return err
	}
	return u.setIPv4Byte(unix.IP_MULTICAST_TTL, byte(ttl))
}

// MulticastTTLV4 returns IP_MULTICAST_TTL.
func (u *UDPSocket) MulticastTTLV4() (int, error) {
	return u.ipv4Byte(unix.IP_MULTICAST_TTL)
}

// IPv4's multicast loop and TTL are a byte (u_char) on the BSDs, Solaris
// and illumos, which refuse an int for them, while Linux and darwin take a
// byte as well as an int (and Go's net sets IP_MULTICAST_LOOP as a byte on
// AIX too): so every Unix sets and reads them as one byte, the one path that
// holds everywhere, and which the Linux tests run. Read as a byte, the value
// is right on big-endian machines too, where an int read back from a
// one-byte option is not.
func (u *UDPSocket) setIPv4Byte(opt int, v byte) error {
	fd, err := u.sysfd()
	if err != nil {
		return err
	}
	if err := unix.SetsockoptByte(fd, unix.IPPROTO_IP, opt, v); err != nil {
		return fmt.Errorf("mio/net: setsockopt: %w", err)
	}
	return nil
}

func (u *UDPSocket) ipv4Byte(opt int) (int, error) {
	fd, err := u.sysfd()
	if err != nil {
		return 0, err
	}
	v, err := unix.GetsockoptByte(fd, unix.IPPROTO_IP, opt)
	if err != nil {
		return 0, fmt.Errorf("mio/net: getsockopt: %w", err)
	}
	return int(v), nil
}

// SetMulticastLoopV6 sets IPV6_MULTICAST_LOOP.
func (u *UDPSocket) SetMulticastLoopV6(on bool) error {
	return u.setBool(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, on)
}

// MulticastLoopV6 returns IPV6_MULTICAST_LOOP.
func (u *UDPSocket) MulticastLoopV6() (bool, error) {
	return u.getBool(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP)
}

// SetTTL sets the IP time-to-live (IPv4) or unicast hop limit (IPv6).
func (u *UDPSocket) SetTTL(ttl int) error { return u.setTTL(ttl) }

// TTL returns the value SetTTL sets.
func (u *UDPSocket) TTL() (int, error) { return u.ttl() }

// OnlyV6 returns IPV6_V6ONLY; an IPv4 socket gives an error.
func (u *UDPSocket) OnlyV6() (bool, error) { return u.getBool(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY) }

// JoinMulticastV4 joins group on the interface with address iface
// (unspecified: the system's choice).
func (u *UDPSocket) JoinMulticastV4(group, iface netip.Addr) error {
	return u.membershipV4(unix.IP_ADD_MEMBERSHIP, group, iface)
}

// LeaveMulticastV4 leaves a group joined with JoinMulticastV4.
func (u *UDPSocket) LeaveMulticastV4(group, iface netip.Addr) error {
	return u.membershipV4(unix.IP_DROP_MEMBERSHIP, group, iface)
}

func (u *UDPSocket) membershipV4(opt int, group, iface netip.Addr) error {
	if !group.Is4() || (iface.IsValid() && !iface.Is4()) {
		return fmt.Errorf("mio/net: multicast v4 needs IPv4 addresses: %w", errNoAddress)
	}
	fd, err := u.sysfd()
	if err != nil {
		return err
	}
	mreq := &unix.IPMreq{Multiaddr: group.As4()}
	if iface.IsValid() {
		mreq.Interface = iface.As4()
	}
	if err := unix.SetsockoptIPMreq(fd, unix.IPPROTO_IP, opt, mreq); err != nil {
		return fmt.Errorf("mio/net: multicast membership: %w", err)
	}
	return nil
}

// JoinMulticastV6 joins group on the interface with index ifindex (0: the
// system's choice).
func (u *UDPSocket) JoinMulticastV6(group netip.Addr, ifindex uint32) error {
	return u.membershipV6(unix.IPV6_JOIN_GROUP, group, ifindex)
}

// LeaveMulticastV6 leaves a group joined with JoinMulticastV6.
func (u *UDPSocket) LeaveMulticastV6(group netip.Addr, ifindex uint32) error {
	return u.membershipV6(unix.IPV6_LEAVE_GROUP, group, ifindex)
}

func (u *UDPSocket) membershipV6(opt int, group netip.Addr, ifindex uint32) error {
	if !group.Is6() {
		return fmt.Errorf("mio/net: multicast v6 needs an IPv6 group: %w", errNoAddress)
	}
	fd, err := u.sysfd()
	if err != nil {
		return err
	}
	mreq := &unix.IPv6Mreq{Multiaddr: group.As16(), Interface: ifindex}
	if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, opt, mreq); err != nil {
		return fmt.Errorf("mio/net: multicast membership: %w", err)
	}
	return nil
}
