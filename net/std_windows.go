package net

import (
	"fmt"
	"net"
	"syscall"

	"github.com/gomio/mio"
	"golang.org/x/sys/windows"
)

// The FromStd constructors take a socket over from package net, as mio's
// from_std moves one: the socket is duplicated (WSADuplicateSocket into this
// process) and made non-blocking, the std value is closed, and the returned
// value owns the socket. Go's runtime poller never sees the duplicate.

type stdConn interface {
	SyscallConn() (syscall.RawConn, error)
	Close() error
}

func takeOver(c stdConn) (windows.Handle, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return windows.InvalidHandle, fmt.Errorf("mio/net: from std: %w", err)
	}
	var info windows.WSAProtocolInfo
	var dupErr error
	if err := rc.Control(func(s uintptr) {
		dupErr = windows.WSADuplicateSocket(windows.Handle(s), windows.GetCurrentProcessId(), &info)
	}); err != nil {
		return windows.InvalidHandle, fmt.Errorf("mio/net: from std: %w", err)
	}
	if dupErr != nil {
		return windows.InvalidHandle, fmt.Errorf("mio/net: from std: WSADuplicateSocket: %w", dupErr)
	}
	h, err := windows.WSASocket(fromProtocolInfo, fromProtocolInfo, fromProtocolInfo, &info, 0, socketFlags)
	if err != nil {
		return windows.InvalidHandle, fmt.Errorf("mio/net: from std: WSASocket: %w", err)
	}
	if err := setNonblock(h); err != nil {
		windows.Closesocket(h)
		return windows.InvalidHandle, err
	}
	if err := c.Close(); err != nil {
		windows.Closesocket(h)
		return windows.InvalidHandle, fmt.Errorf("mio/net: from std: close: %w", err)
	}
	return h, nil
}

func adopt[T any, P interface {
	*T
	owns(h windows.Handle)
}](c stdConn) (P, error) {
	h, err := takeOver(c)
	if err != nil {
		return nil, err
	}
	s := P(new(T))
	s.owns(h)
	return s, nil
}

// TCPListenerFromStd takes over a std TCP listener.
func TCPListenerFromStd(l *net.TCPListener) (*TCPListener, error) {
	if l == nil {
		return nil, takeOverNil()
	}
	return adopt[TCPListener](l)
}

// TCPStreamFromStd takes over a std TCP connection.
func TCPStreamFromStd(c *net.TCPConn) (*TCPStream, error) {
	if c == nil {
		return nil, takeOverNil()
	}
	return adopt[TCPStream](c)
}

// UDPSocketFromStd takes over a std UDP socket.
func UDPSocketFromStd(c *net.UDPConn) (*UDPSocket, error) {
	if c == nil {
		return nil, takeOverNil()
	}
	u, err := adopt[UDPSocket](c)
	if err != nil {
		return nil, err
	}
	h, _ := u.sysfd()
	noConnReset(h)
	return u, nil
}

func takeOverNil() error { return fmt.Errorf("mio/net: nil std socket: %w", mio.ErrNilSource) }
