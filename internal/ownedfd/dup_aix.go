package ownedfd

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// DupCloexec duplicates fd as a close-on-exec descriptor. AIX has no
// F_DUPFD_CLOEXEC: the duplicate is marked under syscall.ForkLock, as os
// and net mark their descriptors there, so that no fork in between
// inherits it.
func DupCloexec(fd int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD, 0)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	return nfd, err
}
