//go:build unix

package selector

import "golang.org/x/sys/unix"

// newPipe creates a non-blocking, close-on-exec pipe: the wake-up of the
// poll(2) selector, and of kqueue's where the OS lacks EVFILT_USER.
func newPipe() ([2]int, error) {
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return p, err
	}
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return p, err
		}
	}
	return p, nil
}
