package net

import (
	"fmt"
	"net"

	"golang.org/x/sys/windows"
)

// The FromStd constructors take a socket over from package net, as mio's
// from_std moves one: the socket is duplicated (WSADuplicateSocket into this
// process) and made non-blocking, the std value is closed, and the returned
// value owns the socket. Go's runtime poller never sees the duplicate. The
// constructors shared with Unix are in std.go.

// sysHandle is what a socket owns: a SOCKET.
type sysHandle = windows.Handle

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
