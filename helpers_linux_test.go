//go:build linux

package mio_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

func newPoll(t testing.TB) *mio.Poll {
	t.Helper()
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

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

// pollAll polls once with timeout and returns the events consumed.
func pollAll(t testing.TB, p *mio.Poll, ev *mio.Events, timeout time.Duration) []mio.Event {
	t.Helper()
	if err := p.Poll(ev, timeout); err != nil {
		t.Fatalf("poll: %v", err)
	}
	var out []mio.Event
	for e := range ev.Drain() {
		out = append(out, e)
	}
	return out
}

// expectEvent polls until an event for tok arrives (or 5 s pass) and returns it.
func expectEvent(t testing.TB, p *mio.Poll, ev *mio.Events, tok mio.Token) mio.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, e := range pollAll(t, p, ev, 100*time.Millisecond) {
			if e.Token() == tok {
				return e
			}
		}
	}
	t.Fatalf("no event for token %d", tok)
	return mio.Event{}
}

// drain reads fd until it would block.
func drain(t testing.TB, fd int) int {
	t.Helper()
	buf := make([]byte, 4096)
	total := 0
	for {
		n, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EAGAIN) {
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
