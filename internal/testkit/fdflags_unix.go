//go:build unix

package testkit

import (
	"testing"

	"golang.org/x/sys/unix"
)

// FdFlags returns fd's status flags (O_NONBLOCK among them) and its
// descriptor flags (FD_CLOEXEC).
func FdFlags(t testing.TB, fd int) (fl, fdfl int) {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	fdfl, err = unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fl, fdfl
}
