//go:build unix

package net

import (
	"fmt"
	"io"
	"net/netip"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// TCPListener is a non-blocking TCP listening socket.
type TCPListener struct {
	socket
}

// ListenTCP binds a listener to addr with SO_REUSEADDR and listens with the
// system's maximum backlog. Port 0 picks a free port; LocalAddr tells which.
func ListenTCP(addr netip.AddrPort) (*TCPListener, error) {
	return listenTCP(addr, false)
}

// ListenTCPReusePort is ListenTCP with SO_REUSEPORT: several listeners, one
// per event loop, bind the same port and the kernel spreads incoming
// connections among them. That is Linux's behaviour; elsewhere it returns
// an error matching errors.ErrUnsupported.
func ListenTCPReusePort(addr netip.AddrPort) (*TCPListener, error) {
	if !reusePortSpreads {
		return nil, notLinux("SO_REUSEPORT spreading connections")
	}
	return listenTCP(addr, true)
}

func listenTCP(addr netip.AddrPort, reusePort bool) (l *TCPListener, err error) {
	family := familyOf(addr)
	fd, err := newSocketFd(family, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	defer closeOnError(fd, &err)
	if err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return nil, fmt.Errorf("mio/net: SO_REUSEADDR: %w", err)
	}
	if reusePort {
		if err = setReusePort(fd); err != nil {
			return nil, fmt.Errorf("mio/net: SO_REUSEPORT: %w", err)
		}
	}
	var rsa unix.RawSockaddrAny
	n, err := putInet(&rsa, family, addr)
	if err != nil {
		return nil, fmt.Errorf("mio/net: listen %v: %w", addr, err)
	}
	if err = bind(fd, &rsa, n); err != nil {
		return nil, fmt.Errorf("mio/net: bind %v: %w", addr, err)
	}
	if err = unix.Listen(fd, somaxconn); err != nil {
		return nil, fmt.Errorf("mio/net: listen %v: %w", addr, err)
	}
	l = new(TCPListener)
	l.owns(fd)
	return l, nil
}

// Accept takes one pending connection, non-blocking and close-on-exec, with
// its peer's address; mio.ErrWouldBlock when none is pending. Register the
// listener for Readable and accept until mio.ErrWouldBlock on each event.
func (l *TCPListener) Accept() (*TCPStream, netip.AddrPort, error) {
	fd, err := l.sysfd()
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	var rsa unix.RawSockaddrAny
	nfd, _, err := sysAccept(fd, &rsa)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	s := new(TCPStream)
	s.owns(nfd)
	return s, inetAddr(&rsa), nil
}

// LocalAddr returns the address the listener is bound to.
func (l *TCPListener) LocalAddr() (netip.AddrPort, error) { return l.inetName(false) }

// SetTTL sets the IP time-to-live (IPv4) or hop limit (IPv6) of accepted
// connections' packets.
func (l *TCPListener) SetTTL(ttl int) error { return l.setTTL(ttl) }

// TTL returns the value SetTTL sets.
func (l *TCPListener) TTL() (int, error) { return l.ttl() }

// TCPStream is a non-blocking TCP connection.
type TCPStream struct {
	stream
}

// ConnectTCP starts connecting to addr and returns at once. The connection
// is complete when the stream is reported writable; then TakeError tells
// whether it succeeded, and PeerAddr returns the peer (until then it fails
// with ENOTCONN).
func ConnectTCP(addr netip.AddrPort) (*TCPStream, error) {
	return ConnectTCPFrom(netip.AddrPort{}, addr)
}

// ConnectTCPFrom is ConnectTCP from a chosen source: the socket is bound to
// local before the connect starts (port 0: any free port; the zero AddrPort:
// no bind, the system's choice, as ConnectTCP). A proxy uses it to pick the
// address its connections come from; local is of remote's family. On Linux
// a bind with port 0 defers
// the choice of the port to the connect (IP_BIND_ADDRESS_NO_PORT), so that
// one source address serves as many connections as there are 4-tuples, not
// ports.
func ConnectTCPFrom(local, remote netip.AddrPort) (s *TCPStream, err error) {
	family := familyOf(remote)
	var rsa unix.RawSockaddrAny
	n, err := putInet(&rsa, family, remote)
	if err != nil {
		return nil, fmt.Errorf("mio/net: connect %v: %w", remote, err)
	}
	fd, err := newSocketFd(family, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	defer closeOnError(fd, &err)
	if local != (netip.AddrPort{}) {
		var lsa unix.RawSockaddrAny
		var ln uint32
		if ln, err = putInet(&lsa, family, local); err != nil {
			return nil, fmt.Errorf("mio/net: bind %v: %w", local, err)
		}
		if local.Port() == 0 {
			bindAddressNoPort(fd)
		}
		if err = bind(fd, &lsa, ln); err != nil {
			return nil, fmt.Errorf("mio/net: bind %v: %w", local, err)
		}
	}
	if err = connect(fd, &rsa, n); err != nil {
		return nil, fmt.Errorf("mio/net: connect %v: %w", remote, err)
	}
	s = new(TCPStream)
	s.owns(fd)
	return s, nil
}

// Peek reads without consuming: the next Read returns the same bytes.
func (s *TCPStream) Peek(p []byte) (int, error) {
	fd, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	n, err := sysRecv(fd, p, unix.MSG_PEEK)
	if err == nil && n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}

// LocalAddr returns the local address.
func (s *TCPStream) LocalAddr() (netip.AddrPort, error) { return s.inetName(false) }

// PeerAddr returns the peer's address; ENOTCONN until connected.
func (s *TCPStream) PeerAddr() (netip.AddrPort, error) { return s.inetName(true) }

// SetNoDelay sets TCP_NODELAY (off: Nagle's algorithm batches small writes).
func (s *TCPStream) SetNoDelay(on bool) error {
	return s.setBool(unix.IPPROTO_TCP, unix.TCP_NODELAY, on)
}

// NoDelay returns the value SetNoDelay sets.
func (s *TCPStream) NoDelay() (bool, error) { return s.getBool(unix.IPPROTO_TCP, unix.TCP_NODELAY) }

// SetTTL sets the IP time-to-live (IPv4) or hop limit (IPv6).
func (s *TCPStream) SetTTL(ttl int) error { return s.setTTL(ttl) }

// TTL returns the value SetTTL sets.
func (s *TCPStream) TTL() (int, error) { return s.ttl() }

// inetName returns the socket's (or its peer's) IP address.
func (s *socket) inetName(peer bool) (netip.AddrPort, error) {
	fd, err := s.sysfd()
	if err != nil {
		return netip.AddrPort{}, err
	}
	rsa, _, err := sockName(fd, peer)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("mio/net: %s: %w", nameCall(peer), err)
	}
	return inetAddr(&rsa), nil
}

func nameCall(peer bool) string {
	if peer {
		return "getpeername"
	}
	return "getsockname"
}

// family returns the socket's address family, from its name (SO_DOMAIN is
// not on every OS).
func (s *socket) family() (int, error) {
	fd, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	rsa, _, err := sockName(fd, false)
	if err != nil {
		return 0, fmt.Errorf("mio/net: getsockname: %w", err)
	}
	return int(rsa.Addr.Family), nil
}

func (s *socket) setTTL(ttl int) error {
	f, err := s.family()
	if err != nil {
		return err
	}
	if f == unix.AF_INET6 {
		return s.setInt(unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl)
	}
	return s.setInt(unix.IPPROTO_IP, unix.IP_TTL, ttl)
}

func (s *socket) ttl() (int, error) {
	f, err := s.family()
	if err != nil {
		return 0, err
	}
	if f == unix.AF_INET6 {
		return s.getInt(unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS)
	}
	return s.getInt(unix.IPPROTO_IP, unix.IP_TTL)
}

var _ mio.Source = (*TCPStream)(nil)
var _ mio.Source = (*TCPListener)(nil)
