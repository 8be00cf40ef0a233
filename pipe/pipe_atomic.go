//go:build dragonfly || freebsd || linux || netbsd || openbsd || solaris

package pipe

import "golang.org/x/sys/unix"

// newPipe makes a pipe whose ends are non-blocking and close-on-exec from
// their creation (pipe2), so no fork in between can leak them.
func newPipe() (r, w int, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return -1, -1, err
	}
	return p[0], p[1], nil
}
