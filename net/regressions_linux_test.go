//go:build linux

package net_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// Closing a registered socket without deregistering it removes it from epoll:
// no event for it comes back, and a new socket that gets the same descriptor
// number registers in the same Poll as if new.
func TestCloseWithoutDeregister(t *testing.T) {
	p := newPoll(t)
	c, s := tcpPair(t, any4)
	fd := s.Fd()
	must(t, p.Registry().Register(s, 1, mio.Readable))
	must(t, s.Close())
	_, err := c.Write([]byte("to nobody"))
	if err != nil && !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatal(err)
	}
	noEvent(t, p, 1)

	a, b, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, a)
	closer(t, b)
	reused := a
	if b.Fd() == fd {
		reused, b = b, a
	}
	if reused.Fd() != fd {
		t.Skipf("descriptor %d was not reused (got %d, %d)", fd, a.Fd(), b.Fd())
	}
	must(t, p.Registry().Register(reused, 2, mio.Readable))
	_, err = b.Write([]byte("x"))
	must(t, err)
	waitFor(t, p, 2, readable)
}

// The listen backlog is the system's maximum: a burst of connections that
// nobody accepts yet is queued, not refused, and all of them are accepted
// afterwards.
func TestListenBacklogTakesABurst(t *testing.T) {
	const burst = 1000
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	la, _ := l.LocalAddr()
	p := newPoll(t)
	var clients []*mnet.TCPStream
	for i := range burst {
		c, err := mnet.ConnectTCP(la)
		if err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		closer(t, c)
		clients = append(clients, c)
	}
	for i, c := range clients {
		must(t, p.Registry().Register(c, mio.Token(i), mio.Writable))
	}
	connected := 0
	ev := mio.NewEvents(256)
	for connected < burst {
		must(t, p.Poll(ev, -1))
		for e := range ev.Drain() {
			if err := clients[e.Token()].TakeError(); err != nil {
				t.Fatalf("client %d: %v", e.Token(), err)
			}
			connected++
		}
	}
	accepted := 0
	for {
		s, _, err := l.Accept()
		if errors.Is(err, mio.ErrWouldBlock) {
			break
		}
		must(t, err)
		s.Close()
		accepted++
	}
	if accepted != burst {
		t.Fatalf("accepted %d of %d", accepted, burst)
	}
}
