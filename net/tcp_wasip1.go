package net

import (
	"io"
	"net"
	"net/netip"
	"syscall"

	"github.com/gomio/mio"
)

// TCPListener is a non-blocking TCP listening socket. On wasip1 it is one
// the host pre-opened (wazero's --listen, wasmtime's --tcplisten), adopted
// with TCPListenerFromFd.
type TCPListener struct {
	socket
}

// ListenTCP returns an error matching errors.ErrUnsupported: WASI Preview 1
// cannot create, bind or listen on a socket. Adopt a pre-opened listener
// with TCPListenerFromFd.
func ListenTCP(addr netip.AddrPort) (*TCPListener, error) { return nil, errNoWASI("listen") }

// ListenTCPReusePort returns an error matching errors.ErrUnsupported, as
// ListenTCP.
func ListenTCPReusePort(addr netip.AddrPort) (*TCPListener, error) {
	return nil, errNoWASI("listen")
}

// TCPListenerFromFd takes ownership of fd, which must be a socket the host
// pre-opened to listen on, and makes it non-blocking. WASI Preview 1 cannot
// tell a listening socket from a connected one: the first Accept does (a
// connected one fails it). A descriptor that is not a socket is an error
// matching syscall.ENOTSOCK, a datagram socket one matching syscall.EINVAL,
// a closed or negative one syscall.EBADF, and it is left as it was.
func TCPListenerFromFd(fd int) (*TCPListener, error) {
	if err := claimFd(fd, "TCP listener"); err != nil {
		return nil, err
	}
	l := new(TCPListener)
	l.owns(fd)
	return l, nil
}

// TCPListenerFromStd returns an error matching errors.ErrUnsupported: WASI
// Preview 1 cannot duplicate the std listener's descriptor, which the std
// value owns.
func TCPListenerFromStd(l *net.TCPListener) (*TCPListener, error) {
	return nil, errNoWASI("taking over a std listener")
}

// Accept takes one pending connection, non-blocking (sock_accept);
// mio.ErrWouldBlock when none is pending. The peer's address is the zero
// AddrPort: WASI Preview 1 does not tell it. Register the listener for
// Readable and accept until mio.ErrWouldBlock on each event.
func (l *TCPListener) Accept() (*TCPStream, netip.AddrPort, error) {
	fd, err := l.sysfd()
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	l.rearm()
	nfd, _, err := syscall.Accept(fd)
	for err == syscall.EINTR {
		nfd, _, err = syscall.Accept(fd)
	}
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	if err := syscall.SetNonblock(nfd, true); err != nil {
		syscall.Close(nfd)
		return nil, netip.AddrPort{}, err
	}
	s := new(TCPStream)
	s.owns(nfd)
	return s, netip.AddrPort{}, nil
}

// LocalAddr returns an error matching errors.ErrUnsupported: WASI Preview 1
// cannot name a socket (the host that pre-opened it knows the address).
func (l *TCPListener) LocalAddr() (netip.AddrPort, error) { return l.noAddr("getsockname") }

// SetTTL returns an error matching errors.ErrUnsupported: WASI Preview 1
// has no socket options.
func (l *TCPListener) SetTTL(ttl int) error { return l.noOption("IP_TTL") }

// TTL returns an error matching errors.ErrUnsupported, as SetTTL.
func (l *TCPListener) TTL() (int, error) { return 0, l.noOption("IP_TTL") }

// TCPStream is a non-blocking TCP connection. On wasip1 it comes from
// TCPListener.Accept, or from a connected socket the host pre-opened
// (TCPStreamFromFd).
type TCPStream struct {
	stream
}

// ConnectTCP returns an error matching errors.ErrUnsupported: WASI Preview
// 1 cannot connect.
func ConnectTCP(addr netip.AddrPort) (*TCPStream, error) { return nil, errNoWASI("connect") }

// ConnectTCPFrom returns an error matching errors.ErrUnsupported, as
// ConnectTCP.
func ConnectTCPFrom(local, remote netip.AddrPort) (*TCPStream, error) {
	return nil, errNoWASI("connect")
}

// TCPStreamFromFd takes ownership of fd, which must be a connected stream
// socket, and makes it non-blocking; errors as TCPListenerFromFd's.
func TCPStreamFromFd(fd int) (*TCPStream, error) {
	if err := claimFd(fd, "TCP stream"); err != nil {
		return nil, err
	}
	s := new(TCPStream)
	s.owns(fd)
	return s, nil
}

// TCPStreamFromStd returns an error matching errors.ErrUnsupported: WASI
// Preview 1 cannot duplicate the std connection's descriptor.
func TCPStreamFromStd(c *net.TCPConn) (*TCPStream, error) {
	return nil, errNoWASI("taking over a std connection")
}

// Peek reads without consuming (sock_recv with RECV_PEEK): the next Read
// returns the same bytes; (0, io.EOF) at the end of the stream.
func (s *TCPStream) Peek(p []byte) (int, error) {
	fd, err := s.sysfd()
	if err != nil || len(p) == 0 {
		return 0, err
	}
	s.rearm()
	n, err := recvRetry(fd, p, recvPeek)
	if err == nil && n == 0 {
		return 0, io.EOF
	}
	return n, err
}

// LocalAddr returns an error matching errors.ErrUnsupported: WASI Preview 1
// cannot name a socket.
func (s *TCPStream) LocalAddr() (netip.AddrPort, error) { return s.noAddr("getsockname") }

// PeerAddr returns an error matching errors.ErrUnsupported: WASI Preview 1
// cannot name a socket's peer.
func (s *TCPStream) PeerAddr() (netip.AddrPort, error) { return s.noAddr("getpeername") }

// SetNoDelay returns an error matching errors.ErrUnsupported: WASI Preview
// 1 has no socket options.
func (s *TCPStream) SetNoDelay(on bool) error { return s.noOption("TCP_NODELAY") }

// NoDelay returns an error matching errors.ErrUnsupported, as SetNoDelay.
func (s *TCPStream) NoDelay() (bool, error) { return false, s.noOption("TCP_NODELAY") }

// SetTTL returns an error matching errors.ErrUnsupported: WASI Preview 1
// has no socket options.
func (s *TCPStream) SetTTL(ttl int) error { return s.noOption("IP_TTL") }

// TTL returns an error matching errors.ErrUnsupported, as SetTTL.
func (s *TCPStream) TTL() (int, error) { return 0, s.noOption("IP_TTL") }

var _ mio.Source = (*TCPStream)(nil)
var _ mio.Source = (*TCPListener)(nil)
