package net

import (
	"fmt"
	"io"
	"net/netip"

	"github.com/gomio/mio"
	"golang.org/x/sys/windows"
)

// TCPListener is a non-blocking TCP listening socket.
type TCPListener struct {
	socket
}

// ListenTCP binds a listener to addr and listens with the system's maximum
// backlog. Port 0 picks a free port; LocalAddr tells which. On Windows
// SO_REUSEADDR is not set: there it would let another socket take the port
// over (mio does not set it either).
func ListenTCP(addr netip.AddrPort) (l *TCPListener, err error) {
	sa, err := toSockaddr(addr)
	if err != nil {
		return nil, fmt.Errorf("mio/net: listen %v: %w", addr, err)
	}
	h, err := newSocket(familyOf(addr), windows.SOCK_STREAM, windows.IPPROTO_TCP)
	if err != nil {
		return nil, err
	}
	defer closeOnError(h, &err)
	if err = windows.Bind(h, sa); err != nil {
		return nil, fmt.Errorf("mio/net: bind %v: %w", addr, err)
	}
	if err = windows.Listen(h, windows.SOMAXCONN); err != nil {
		return nil, fmt.Errorf("mio/net: listen %v: %w", addr, err)
	}
	l = new(TCPListener)
	l.owns(h)
	return l, nil
}

// ListenTCPReusePort returns an error matching errors.ErrUnsupported:
// Windows has no SO_REUSEPORT.
func ListenTCPReusePort(addr netip.AddrPort) (*TCPListener, error) {
	return nil, notLinux("SO_REUSEPORT")
}

// Accept takes one pending connection, non-blocking, with its peer's
// address; mio.ErrWouldBlock when none is pending. Register the listener for
// Readable and accept until mio.ErrWouldBlock on each event.
func (l *TCPListener) Accept() (*TCPStream, netip.AddrPort, error) {
	h, err := l.sysfd()
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	for {
		nh, peer, err := accept(h)
		switch err {
		case nil:
			l.rearm()
			s := new(TCPStream)
			s.owns(nh)
			return s, peer, nil
		case windows.WSAECONNRESET, windows.WSAENOTCONN:
			continue // reset while queued (Wine says WSAENOTCONN): not the listener's error
		}
		return nil, netip.AddrPort{}, l.ioError(err)
	}
}

// LocalAddr returns the address the listener is bound to.
func (l *TCPListener) LocalAddr() (netip.AddrPort, error) { return l.inetName(false) }

// SetTTL sets the IP time-to-live (IPv4) or hop limit (IPv6).
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
// with WSAENOTCONN).
func ConnectTCP(addr netip.AddrPort) (*TCPStream, error) {
	return ConnectTCPFrom(netip.AddrPort{}, addr)
}

// ConnectTCPFrom is ConnectTCP from a chosen source: the socket is bound to
// local before the connect starts (port 0: any free port; the zero AddrPort:
// no bind, the system's choice, as ConnectTCP). A proxy uses it to pick the
// address its connections come from; local is of remote's family.
func ConnectTCPFrom(local, remote netip.AddrPort) (s *TCPStream, err error) {
	sa, err := toSockaddr(remote)
	if err != nil {
		return nil, fmt.Errorf("mio/net: connect %v: %w", remote, err)
	}
	h, err := newSocket(familyOf(remote), windows.SOCK_STREAM, windows.IPPROTO_TCP)
	if err != nil {
		return nil, err
	}
	defer closeOnError(h, &err)
	if local != (netip.AddrPort{}) {
		var lsa windows.Sockaddr
		if lsa, err = toSockaddr(local); err == nil {
			err = windows.Bind(h, lsa)
		}
		if err != nil {
			return nil, fmt.Errorf("mio/net: bind %v: %w", local, err)
		}
	}
	if err = windows.Connect(h, sa); err != nil && err != windows.WSAEWOULDBLOCK {
		return nil, fmt.Errorf("mio/net: connect %v: %w", remote, err)
	}
	s = new(TCPStream)
	s.owns(h)
	return s, nil
}

// Peek reads without consuming: the next Read returns the same bytes.
func (s *TCPStream) Peek(p []byte) (int, error) {
	if len(p) == 0 {
		_, err := s.sysfd()
		return 0, err
	}
	n, err := s.recv([][]byte{p}, windows.MSG_PEEK)
	if err == io.EOF {
		return 0, io.EOF
	}
	return n, err
}

// LocalAddr returns the local address.
func (s *TCPStream) LocalAddr() (netip.AddrPort, error) { return s.inetName(false) }

// PeerAddr returns the peer's address; WSAENOTCONN until connected.
func (s *TCPStream) PeerAddr() (netip.AddrPort, error) { return s.inetName(true) }

// SetNoDelay sets TCP_NODELAY (off: Nagle's algorithm batches small writes).
func (s *TCPStream) SetNoDelay(on bool) error {
	return s.setBool(windows.IPPROTO_TCP, windows.TCP_NODELAY, on)
}

// NoDelay returns the value SetNoDelay sets.
func (s *TCPStream) NoDelay() (bool, error) {
	return s.getBool(windows.IPPROTO_TCP, windows.TCP_NODELAY)
}

// SetTTL sets the IP time-to-live (IPv4) or hop limit (IPv6).
func (s *TCPStream) SetTTL(ttl int) error { return s.setTTL(ttl) }

// TTL returns the value SetTTL sets.
func (s *TCPStream) TTL() (int, error) { return s.ttl() }

// closeOnError closes h when *err is set; for constructors' defer.
func closeOnError(h windows.Handle, err *error) {
	if *err != nil {
		windows.Closesocket(h)
	}
}

var _ mio.Source = (*TCPStream)(nil)
var _ mio.Source = (*TCPListener)(nil)
