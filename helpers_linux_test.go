//go:build linux

package mio_test

import (
	"errors"
	"testing"

	"github.com/gomio/mio"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// socketPair returns a connected non-blocking AF_UNIX stream pair.
func socketPair(t testing.TB) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// eventFd returns a non-blocking eventfd, signalled when ready is true.
func eventFd(t testing.TB, ready bool) int {
	t.Helper()
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if ready {
		signalFd(t, fd)
	}
	return fd
}

func signalFd(t testing.TB, fd int) {
	t.Helper()
	if _, err := unix.Write(fd, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
}

func register(t testing.TB, p *mio.Poll, fd int, tok mio.Token, i mio.Interest) {
	t.Helper()
	s := mio.SourceFd(fd)
	if err := p.Registry().Register(&s, tok, i); err != nil {
		t.Fatalf("register fd %d: %v", fd, err)
	}
}

// drain reads fd until it would block.
func drain(t testing.TB, fd int) int {
	t.Helper()
	buf := make([]byte, 4096)
	total := 0
	for {
		n, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			selector.Rearm(fd) // what the poll(2) backend asks after a would-block
			return total
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
}
