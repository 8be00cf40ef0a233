//go:build (darwin || dragonfly || freebsd || netbsd || openbsd) && !mio_poll

package mio

// waitTakesTimespec: kevent's timeout is a timespec, which Wait fills to the
// nanosecond.
const waitTakesTimespec = true
