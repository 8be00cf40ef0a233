package mio

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// ErrWouldBlock is what every non-blocking call returns instead of blocking.
// On Windows it is WSAEWOULDBLOCK itself, so errors.Is(err, ErrWouldBlock)
// holds for the error Winsock returns, and returning it allocates nothing.
var ErrWouldBlock error = syscall.Errno(windows.WSAEWOULDBLOCK)
