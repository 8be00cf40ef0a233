//go:build (unix && mio_poll) || !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || wasip1)

package mio

// waitTakesTimespec is false for the backends whose wait counts in
// milliseconds: poll(2) (on any Unix with the tag mio_poll), IOCP, and the
// targets without a selector.
const waitTakesTimespec = false
