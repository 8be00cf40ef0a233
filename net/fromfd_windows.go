package net

import (
	"fmt"
	"syscall"
	"unsafe"

	"github.com/gomio/mio"
	"golang.org/x/sys/windows"
)

// The FromFd constructors and Release on Windows, whose contract is in
// doc.go: the kind is read first (SO_PROTOCOL_INFOW, SO_ACCEPTCONN) and the
// socket changed only once it is right.

// Winsock option values x/sys lacks.
const (
	soAcceptConn    = 0x0002
	soProtocolInfoW = 0x2005
)

// socketKind is what a constructor accepts.
type socketKind struct {
	name      string
	typ       int32
	listening bool
}

var (
	tcpListenerKind = socketKind{"listening TCP", windows.SOCK_STREAM, true}
	tcpStreamKind   = socketKind{"TCP stream", windows.SOCK_STREAM, false}
	udpKind         = socketKind{"UDP", windows.SOCK_DGRAM, false}
)

// claimSocket checks that h is an IP socket of kind k and, only then, makes
// it non-blocking and non-inheritable.
func claimSocket(h uintptr, k socketKind) error {
	if h == invalidSocket {
		return fmt.Errorf("mio/net: from SOCKET: INVALID_SOCKET: %w", syscall.EBADF)
	}
	if err := wsaStartup(); err != nil {
		return err
	}
	s := windows.Handle(h)
	var info windows.WSAProtocolInfo
	n := int32(unsafe.Sizeof(info))
	if err := windows.Getsockopt(s, windows.SOL_SOCKET, soProtocolInfoW, (*byte)(unsafe.Pointer(&info)), &n); err != nil {
		return fromSocketError(h, "SO_PROTOCOL_INFOW", err)
	}
	listening := false
	if info.SocketType == windows.SOCK_STREAM {
		v, err := windows.GetsockoptInt(s, windows.SOL_SOCKET, soAcceptConn)
		if err != nil {
			return fromSocketError(h, "SO_ACCEPTCONN", err)
		}
		listening = v != 0
	}
	inet := info.AddressFamily == windows.AF_INET || info.AddressFamily == windows.AF_INET6
	if !inet || info.SocketType != k.typ || listening != k.listening {
		return fmt.Errorf("mio/net: from SOCKET %#x: not a %s socket (family %d, type %d, listening %t): %w",
			h, k.name, info.AddressFamily, info.SocketType, listening, syscall.EINVAL)
	}
	if err := windows.SetHandleInformation(s, windows.HANDLE_FLAG_INHERIT, 0); err != nil {
		return fmt.Errorf("mio/net: from SOCKET %#x: SetHandleInformation: %w", h, err)
	}
	return setNonblock(s)
}

// fromSocketError makes Winsock's "not a socket" match syscall.ENOTSOCK too,
// as on Unix.
func fromSocketError(h uintptr, call string, err error) error {
	if err == windows.WSAENOTSOCK {
		return fmt.Errorf("mio/net: from SOCKET %#x: %s: %w (%w)", h, call, syscall.ENOTSOCK, err)
	}
	return fmt.Errorf("mio/net: from SOCKET %#x: %s: %w", h, call, err)
}

// fromSocket adopts h, checked against k, into a new socket of type T.
func fromSocket[T any, P interface {
	*T
	owns(h windows.Handle)
}](h uintptr, k socketKind) (P, error) {
	if err := claimSocket(h, k); err != nil {
		return nil, err
	}
	s := P(new(T))
	s.owns(windows.Handle(h))
	return s, nil
}

// TCPListenerFromFd takes ownership of the SOCKET h, which must be a
// listening TCP socket (IPv4 or IPv6), and makes it non-blocking and
// non-inheritable. A socket of another kind is an error matching
// syscall.EINVAL, a handle that is not a socket (a closed one included)
// syscall.ENOTSOCK, INVALID_SOCKET syscall.EBADF, and it is left as it was;
// the package documentation says more.
func TCPListenerFromFd(h uintptr) (*TCPListener, error) {
	return fromSocket[TCPListener](h, tcpListenerKind)
}

// TCPStreamFromFd takes ownership of the SOCKET h, which must be a TCP
// socket that is not listening.
func TCPStreamFromFd(h uintptr) (*TCPStream, error) { return fromSocket[TCPStream](h, tcpStreamKind) }

// UDPSocketFromFd takes ownership of the SOCKET h, which must be a UDP
// socket.
func UDPSocketFromFd(h uintptr) (*UDPSocket, error) {
	u, err := fromSocket[UDPSocket](h, udpKind)
	if err != nil {
		return nil, err
	}
	noConnReset(windows.Handle(h))
	return u, nil
}

// Release gives the SOCKET back to the caller, as mio's IntoRawSocket does:
// from now on the value is closed (its calls return mio.ErrClosed, Fd
// returns INVALID_SOCKET) but the socket stays open, non-blocking, and the
// caller's to close. A second Release, or one after Close, returns an error
// matching mio.ErrClosed.
//
// Unlike on Unix, Release ends the value's registration, as mio's does on
// Windows: the AFD poll state belongs to the value, and nothing could
// deregister it once the value lets the socket go.
func (s *socket) Release() (uintptr, error) {
	h := s.h.Swap(invalidSocket)
	if h == invalidSocket || h == 0 {
		return invalidSocket, fmt.Errorf("mio/net: release: %w", mio.ErrClosed)
	}
	if sel := s.sel.Swap(nil); sel != nil {
		_ = sel.Deregister(h)
	}
	return h, nil
}
