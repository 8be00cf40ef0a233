//go:build (linux || darwin || dragonfly || freebsd || netbsd || openbsd) && !mio_poll

package selector

// Rearm does nothing here: epoll and kqueue report every new arrival by
// themselves. It exists so that code calling it after a would-block, as the
// poll(2) backend asks, builds on every Unix.
func Rearm(fd int) {}
