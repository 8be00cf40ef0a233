//go:build !unix && !windows && !wasip1

package mio

import "errors"

// ErrWouldBlock is what every non-blocking call returns instead of blocking.
var ErrWouldBlock = errors.New("mio: operation would block")
