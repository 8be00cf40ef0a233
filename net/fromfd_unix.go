//go:build unix

package net

import (
	"fmt"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// The FromFd constructors and Release, whose contract is in doc.go: the
// kind is read first and the descriptor changed only once it is right.

// fdKind is what a constructor accepts.
type fdKind struct {
	name      string
	typ       int  // SOCK_STREAM or SOCK_DGRAM
	inet      bool // AF_INET or AF_INET6; otherwise AF_UNIX
	listening bool // SO_ACCEPTCONN set (streams only)
}

var (
	tcpListenerKind  = fdKind{"listening TCP", unix.SOCK_STREAM, true, true}
	tcpStreamKind    = fdKind{"TCP stream", unix.SOCK_STREAM, true, false}
	udpKind          = fdKind{"UDP", unix.SOCK_DGRAM, true, false}
	unixListenerKind = fdKind{"listening Unix stream", unix.SOCK_STREAM, false, true}
	unixStreamKind   = fdKind{"Unix stream", unix.SOCK_STREAM, false, false}
	unixgramKind     = fdKind{"Unix datagram", unix.SOCK_DGRAM, false, false}
)

// claimFd checks that fd is a socket of kind k and, only then, makes it
// non-blocking and close-on-exec. It returns the socket's family.
func claimFd(fd int, k fdKind) (family int, err error) {
	if fd < 0 {
		return 0, fmt.Errorf("mio/net: from fd %d: %w", fd, unix.EBADF)
	}
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return 0, fmt.Errorf("mio/net: from fd %d: SO_TYPE: %w", fd, err)
	}
	rsa, _, err := sockName(fd, false)
	if err != nil {
		return 0, fmt.Errorf("mio/net: from fd %d: getsockname: %w", fd, err)
	}
	family = int(rsa.Addr.Family)
	listening := false
	if typ == unix.SOCK_STREAM {
		v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
		if err != nil {
			return 0, fmt.Errorf("mio/net: from fd %d: SO_ACCEPTCONN: %w", fd, err)
		}
		listening = v != 0
	}
	inet := family == unix.AF_INET || family == unix.AF_INET6
	if typ != k.typ || listening != k.listening || (k.inet && !inet) || (!k.inet && family != unix.AF_UNIX) {
		return 0, fmt.Errorf("mio/net: from fd %d: not a %s socket (family %d, type %d, listening %t): %w",
			fd, k.name, family, typ, listening, unix.EINVAL)
	}
	if err := setup(fd); err != nil {
		return 0, fmt.Errorf("mio/net: from fd %d: %w", fd, err)
	}
	return family, nil
}

// fromFd adopts fd, checked against k, into a new socket of type T.
func fromFd[T any, P interface {
	*T
	owns(fd int)
}](fd int, k fdKind) (P, error) {
	if _, err := claimFd(fd, k); err != nil {
		return nil, err
	}
	s := P(new(T))
	s.owns(fd)
	return s, nil
}

// TCPListenerFromFd takes ownership of fd, which must be a listening TCP
// socket (IPv4 or IPv6), and makes it non-blocking and close-on-exec. A
// descriptor of another kind is an error matching syscall.EINVAL, one that
// is not a socket syscall.ENOTSOCK, a closed or negative one syscall.EBADF,
// and it is left as it was; the package documentation says more.
func TCPListenerFromFd(fd int) (*TCPListener, error) { return fromFd[TCPListener](fd, tcpListenerKind) }

// TCPStreamFromFd takes ownership of fd, which must be a TCP socket that is
// not listening: connected, connecting (completion is a writable event, as
// after ConnectTCP) or not yet connected.
func TCPStreamFromFd(fd int) (*TCPStream, error) { return fromFd[TCPStream](fd, tcpStreamKind) }

// UDPSocketFromFd takes ownership of fd, which must be a UDP socket (IPv4 or
// IPv6, bound or not, connected or not).
func UDPSocketFromFd(fd int) (*UDPSocket, error) {
	family, err := claimFd(fd, udpKind)
	if err != nil {
		return nil, err
	}
	return newUDPSocket(fd, family), nil
}

// UnixListenerFromFd takes ownership of fd, which must be a listening Unix
// stream socket.
func UnixListenerFromFd(fd int) (*UnixListener, error) {
	return fromFd[UnixListener](fd, unixListenerKind)
}

// UnixStreamFromFd takes ownership of fd, which must be a Unix stream socket
// that is not listening.
func UnixStreamFromFd(fd int) (*UnixStream, error) { return fromFd[UnixStream](fd, unixStreamKind) }

// UnixDatagramFromFd takes ownership of fd, which must be a Unix datagram
// socket.
func UnixDatagramFromFd(fd int) (*UnixDatagram, error) {
	return fromFd[UnixDatagram](fd, unixgramKind)
}

// Release gives the descriptor back to the caller, as mio's IntoRawFd: the
// value is closed from now on (mio.ErrClosed; Fd returns -1), the
// descriptor stays open, non-blocking, and the caller's to close. A second
// Release, or one after Close, returns an error matching mio.ErrClosed.
// Release does not deregister (as mio's into_raw_fd): deregister the value
// first, or the descriptor afterwards with mio.SourceFd; until then it
// reports events with its token.
func (s *socket) Release() (int, error) {
	fd := s.fd.Take()
	if fd < 0 {
		return -1, fmt.Errorf("mio/net: release: %w", mio.ErrClosed)
	}
	return fd, nil
}
