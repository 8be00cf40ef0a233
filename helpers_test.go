//go:build unix || windows || wasip1

package mio_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
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

// tcpPair returns a connected TCP pair over IPv4 loopback, for the tests
// that run on every OS with a net package; the test is skipped where a
// program cannot listen and connect (wasip1).
func tcpPair(t testing.TB) (client, server *mnet.TCPStream) {
	t.Helper()
	l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("no TCP pair: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	la, err := l.LocalAddr()
	if err != nil {
		t.Fatal(err)
	}
	c, err := mnet.ConnectTCP(la)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// The connection is accepted when the listener says it is there.
	p := newPoll(t)
	if err := p.Registry().Register(l, 0, mio.Readable); err != nil {
		t.Fatal(err)
	}
	defer p.Registry().Deregister(l)
	ev := mio.NewEvents(1)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		s, _, err := l.Accept()
		if errors.Is(err, mio.ErrWouldBlock) {
			pollAll(t, p, ev, time.Until(deadline))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return c, s
	}
	t.Fatal("no connection to accept")
	return nil, nil
}

// drainStream reads s until it would block and returns the byte count.
func drainStream(t testing.TB, s *mnet.TCPStream) int {
	t.Helper()
	buf := make([]byte, 4096)
	total := 0
	for {
		n, err := s.Read(buf)
		total += n
		if errors.Is(err, mio.ErrWouldBlock) {
			return total
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// pollLoop polls p on another goroutine, clearing the ring each time, until
// the returned stop is called: it wakes the loop, waits for it to end, and
// fails the test if a Poll failed.
func pollLoop(t *testing.T, p *mio.Poll) (stop func()) {
	t.Helper()
	w, err := mio.NewWaker(p.Registry(), 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	polled := make(chan error, 1)
	go func() {
		ev := mio.NewEvents(64)
		for {
			if err := p.Poll(ev, -1); err != nil {
				polled <- err
				return
			}
			ev.Clear()
			select {
			case <-done:
				polled <- nil
				return
			default:
			}
		}
	}()
	return func() {
		t.Helper()
		close(done)
		if err := w.Wake(); err != nil {
			t.Fatal(err)
		}
		if err := <-polled; err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
}

// readySource registers, with token tok, the server side of a new TCP pair
// whose client has sent a byte: a source that is readable at once.
func readySource(t testing.TB, p *mio.Poll, tok mio.Token) {
	t.Helper()
	c, s := tcpPair(t)
	if _, err := c.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := p.Registry().Register(s, tok, mio.Readable); err != nil {
		t.Fatal(err)
	}
}

// pollOnceInBackground starts one Poll (10 s at most) on another goroutine,
// returns once it is about to block, and returns the channel its events
// arrive on.
func pollOnceInBackground(t testing.TB, p *mio.Poll) <-chan []mio.Event {
	ev := mio.NewEvents(8)
	done := make(chan []mio.Event)
	blocked := mio.AboutToBlock(t, p)
	go func() {
		var got []mio.Event
		if err := p.Poll(ev, 10*time.Second); err == nil {
			for e := range ev.Drain() {
				got = append(got, e)
			}
		}
		done <- got
	}()
	<-blocked
	return done
}
