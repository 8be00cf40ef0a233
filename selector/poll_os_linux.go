//go:build mio_poll

package selector

import "golang.org/x/sys/unix"

// What poll_unix.go needs from Linux.

// pollRdHup is asked for with POLLIN: Linux reports a peer's shutdown as
// POLLRDHUP, which the other systems' poll(2) lacks.
const pollRdHup = unix.POLLRDHUP

// newWakeup returns the wake-up of a poll(2) selector: an eventfd, both
// ends of it.
func newWakeup() ([2]int, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	return [2]int{fd, fd}, err
}
