package net_test

import (
	"errors"
	"io"

	"golang.org/x/sys/windows"
)

// Winsock's errors for the behaviours the portable tests check.
var (
	errWouldBlockOS       = windows.WSAEWOULDBLOCK
	errWriteAfterShutdown = windows.WSAESHUTDOWN
	errConnReset          = windows.WSAECONNRESET
	errConnRefused        = windows.WSAECONNREFUSED
	errNotConn            = windows.WSAENOTCONN
	errAddrInUse          = windows.WSAEADDRINUSE
)

// Winsock does not clear SO_ERROR when it is read. Under Wine, std's
// net.ListenUDP fails: Wine lacks the SIO_UDP_CONNRESET ioctl Go's net
// insists on (this package only asks, and goes on without it).
const (
	ownShutdownReported = false // a socket's own shutdown is an event (epoll: RDHUP, HUP)
	takeErrorClears     = false
	stdUDPMayBeMissing  = true
)

// isResetOnRead accepts WSAECONNRESET and, as Wine reports a reset, end of
// stream.
func isResetOnRead(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || err == io.EOF
}

// isNoPeer tells the error of Send on an unconnected datagram socket:
// WSAENOTCONN on Windows, WSAEINVAL under Wine.
func isNoPeer(err error) bool {
	return errors.Is(err, windows.WSAENOTCONN) || errors.Is(err, windows.WSAEINVAL)
}

// closedFd is what Fd returns after Close: INVALID_SOCKET.
const closedFd = ^uintptr(0)

// lingerZero makes the next close of the socket a reset.
func lingerZero(fd uintptr) error {
	return windows.SetsockoptLinger(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_LINGER, &windows.Linger{Onoff: 1, Linger: 0})
}

// isResetOnWrite tells the errors a write to a reset connection may give.
func isResetOnWrite(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, windows.WSAECONNABORTED)
}
