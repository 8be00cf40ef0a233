//go:build unix

package mio_test

import (
	"errors"
	"testing"

	"github.com/gomio/mio"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// On Unix the contract suite also runs over a raw descriptor: a SourceFd
// over one end of a non-blocking socket pair.
func init() { sourceKinds = append(sourceKinds, sourceKind{"SourceFd", openSourceFd}) }

func openSourceFd(t testing.TB) endpoint {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	src := mio.SourceFd(fds[0])
	return endpoint{
		src:   &src,
		write: func(b []byte) error { _, err := unix.Write(fds[1], b); return err },
		drain: func(t testing.TB) int {
			t.Helper()
			buf := make([]byte, 4096)
			total := 0
			for {
				n, err := unix.Read(fds[0], buf)
				if errors.Is(err, unix.EAGAIN) || n == 0 {
					selector.Rearm(fds[0]) // the poll(2) backend's rule for a raw descriptor
					return total
				}
				if err != nil {
					t.Fatal(err)
				}
				total += n
			}
		},
	}
}
