//go:build darwin || dragonfly || freebsd || netbsd

package net

import "golang.org/x/sys/unix"

// noSigpipe is the socket option that turns SIGPIPE into EPIPE.
const noSigpipe = unix.SO_NOSIGPIPE
