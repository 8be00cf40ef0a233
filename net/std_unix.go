//go:build unix

package net

import (
	"fmt"
	"net"

	"github.com/gomio/mio/internal/ownedfd"
	"golang.org/x/sys/unix"
)

// The FromStd constructors take a socket over from package net, as mio's
// from_std moves one: the descriptor is duplicated (close-on-exec) and made
// non-blocking, the std value is closed, and the returned value owns the
// socket. Go's runtime poller never sees the duplicate. The constructors
// shared with Windows are in std.go.

// sysHandle is what a socket owns: a descriptor.
type sysHandle = int

func takeOver(c stdConn) (sysHandle, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("mio/net: from std: %w", err)
	}
	fd := -1
	var dupErr error
	if err := rc.Control(func(s uintptr) {
		fd, dupErr = ownedfd.DupCloexec(int(s))
	}); err != nil {
		return -1, fmt.Errorf("mio/net: from std: %w", err)
	}
	if dupErr != nil {
		return -1, fmt.Errorf("mio/net: from std: dup: %w", dupErr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mio/net: from std: %w", err)
	}
	if err := c.Close(); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mio/net: from std: close: %w", err)
	}
	return fd, nil
}

// UDPSocketFromStd takes over a std UDP socket.
func UDPSocketFromStd(c *net.UDPConn) (*UDPSocket, error) {
	if c == nil {
		return nil, takeOverNil()
	}
	fd, err := takeOver(c)
	if err != nil {
		return nil, err
	}
	rsa, _, err := sockName(fd, false)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mio/net: from std: %w", err)
	}
	return newUDPSocket(fd, int(rsa.Addr.Family)), nil
}

// UnixListenerFromStd takes over a std Unix listener. Its path is kept:
// the std listener is told not to unlink it when it is closed here.
func UnixListenerFromStd(l *net.UnixListener) (*UnixListener, error) {
	if l == nil {
		return nil, takeOverNil()
	}
	l.SetUnlinkOnClose(false)
	return adopt[UnixListener](l)
}

// UnixStreamFromStd takes over a std Unix stream connection.
func UnixStreamFromStd(c *net.UnixConn) (*UnixStream, error) {
	if c == nil {
		return nil, takeOverNil()
	}
	return adopt[UnixStream](c)
}

// UnixDatagramFromStd takes over a std Unix datagram socket.
func UnixDatagramFromStd(c *net.UnixConn) (*UnixDatagram, error) {
	if c == nil {
		return nil, takeOverNil()
	}
	return adopt[UnixDatagram](c)
}
