//go:build unix

package net_test

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// The OS's own errors for the behaviours the portable tests check.
var (
	errWouldBlockOS       = syscall.EAGAIN
	errWriteAfterShutdown = syscall.EPIPE
	errConnReset          = syscall.ECONNRESET
	errConnRefused        = syscall.ECONNREFUSED
	errNotConn            = syscall.ENOTCONN
	errAddrInUse          = syscall.EADDRINUSE
)

// TakeError clears SO_ERROR; std UDP sockets always work.
const (
	ownShutdownReported = true // a socket's own shutdown is an event (epoll: RDHUP, HUP)
	takeErrorClears     = true
	stdUDPMayBeMissing  = false
)

func isResetOnRead(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// isNoPeer tells the error of Send on an unconnected datagram socket.
func isNoPeer(err error) bool { return errors.Is(err, syscall.EDESTADDRREQ) }

// closedFd is what Fd returns after Close.
const closedFd = -1

// lingerZero makes the next close of fd a reset.
func lingerZero(fd uintptr) error {
	return unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
}

// isResetOnWrite tells the errors a write to a reset connection may give.
func isResetOnWrite(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
