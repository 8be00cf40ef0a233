//go:build aix || darwin

package pipe

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// newPipe makes a non-blocking, close-on-exec pipe. There is no pipe2 here:
// the ends are made close-on-exec under syscall.ForkLock, as os.Pipe does,
// so that no fork of this process inherits them in between.
func newPipe() (r, w int, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, err
	}
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, err
		}
	}
	return p[0], p[1], nil
}
