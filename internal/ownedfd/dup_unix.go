//go:build unix && !aix

package ownedfd

import "golang.org/x/sys/unix"

// DupCloexec duplicates fd as a close-on-exec descriptor, in one call
// (F_DUPFD_CLOEXEC), so that no fork in between can leak the duplicate:
// what the FromStd and FromFile constructors take over.
func DupCloexec(fd int) (int, error) { return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0) }
