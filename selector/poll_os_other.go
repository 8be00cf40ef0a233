//go:build (aix || solaris || (unix && mio_poll)) && !linux

package selector

// What poll_unix.go needs from the systems other than Linux.

// pollRdHup is 0: only Linux's poll(2) reports a peer's shutdown apart
// from POLLHUP.
const pollRdHup = 0

// newWakeup returns the wake-up of a poll(2) selector: a pipe.
func newWakeup() ([2]int, error) { return newPipe() }
