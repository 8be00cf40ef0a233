//go:build unix

package mio

import "syscall"

// ErrWouldBlock is what every non-blocking call returns instead of blocking.
// On Unix it is syscall.EAGAIN itself, so both errors.Is(err, ErrWouldBlock)
// and errors.Is(err, syscall.EAGAIN) hold, and returning it allocates nothing.
var ErrWouldBlock error = syscall.EAGAIN
