//go:build linux

package net_test

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/unix"
)

func openFds(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// Connect, accept, register, exchange, deregister (or not) and close, over
// and over on one Poll: the OS hands the same descriptor numbers out again
// and again, yet no event ever carries a token whose registration is gone,
// and every descriptor is closed at the end.
func TestChurnWithDescriptorReuse(t *testing.T) {
	cycles := 20000
	if testing.Short() {
		cycles = 2000
	}
	p := newPoll(t)
	r := p.Registry()
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	la, _ := l.LocalAddr()
	before := openFds(t)
	live := map[mio.Token]bool{}
	ev := mio.NewEvents(64)
	reused := 0
	seen := map[int]bool{}
	check := func() {
		must(t, p.Poll(ev, 0))
		for e := range ev.Drain() {
			if !live[e.Token()] {
				t.Fatalf("event %v for a token that is no longer registered", e)
			}
		}
	}
	for i := range cycles {
		c, err := mnet.ConnectTCP(la)
		must(t, err)
		var s *mnet.TCPStream
		for s == nil {
			s, _, err = l.Accept()
			if errors.Is(err, mio.ErrWouldBlock) {
				time.Sleep(10 * time.Microsecond)
				continue
			}
			must(t, err)
		}
		if seen[s.Fd()] {
			reused++
		}
		seen[s.Fd()] = true
		tc, ts := mio.Token(2*i+1), mio.Token(2*i+2)
		must(t, r.Register(c, tc, mio.Readable|mio.Writable))
		must(t, r.Register(s, ts, mio.Readable))
		live[tc], live[ts] = true, true
		if _, err := c.Write([]byte("x")); err != nil && !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatal(err)
		}
		check()
		switch i % 3 {
		case 0: // the polite way: deregister, then close
			must(t, r.Deregister(c))
			must(t, r.Deregister(s))
		case 1: // close without deregistering: epoll forgets the file
		case 2: // reset
			rc, _ := c.SyscallConn()
			rc.Control(func(fd uintptr) {
				unix.SetsockoptLinger(int(fd), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1})
			})
			must(t, r.Deregister(s))
		}
		delete(live, tc)
		delete(live, ts)
		must(t, c.Close())
		must(t, s.Close())
		check()
	}
	if reused == 0 {
		t.Fatal("no descriptor number was reused: the test did not exercise reuse")
	}
	if after := openFds(t); after != before {
		t.Fatalf("%d descriptors open after %d cycles, %d before", after, cycles, before)
	}
	t.Logf("%d cycles, %d accepted descriptors reused a number", cycles, reused)
}

// epoll registers a file description, not a number. A descriptor closed
// while a dup of it lives stays registered: its events keep coming, with its
// token, until the last copy is closed or it is deregistered first. This is
// what a user sees, and why Deregister comes before Close.
func TestDupedDescriptorStaysRegistered(t *testing.T) {
	a, b, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, b)
	p := newPoll(t)
	if p.Fd() < 0 {
		t.Skip("the poll(2) backend (Fd -1) watches descriptor numbers, not file descriptions: epoll's rule only")
	}
	must(t, p.Registry().Register(a, 9, mio.Readable))
	dup, err := unix.Dup(a.Fd())
	must(t, err)
	defer unix.Close(dup)
	must(t, a.Close()) // closed, not deregistered, but the file lives on in dup
	_, err = b.Write([]byte("still watched"))
	must(t, err)
	waitFor(t, p, 9, readable)
	// Deregistering through the dup is refused: epoll keys the registration
	// by the original number.
	src := mio.SourceFd(dup)
	if err := p.Registry().Deregister(&src); !errors.Is(err, mio.ErrNotRegistered) && !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("deregister via the dup: %v", err)
	}
}
