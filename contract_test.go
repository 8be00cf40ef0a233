//go:build unix || windows || wasip1

package mio_test

// The core contract, once, table-driven: every test runs over each kind of
// source the build has (a TCPStream of package net everywhere, a SourceFd
// over a socket pair on Unix: contract_unix_test.go), with the backend this
// build selects (epoll, kqueue, IOCP).

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio"
)

// endpoint is one registered end of a connection and what a test does with
// it: write makes the peer write, drain reads src until it would block.
type endpoint struct {
	src   mio.Source
	write func(b []byte) error
	drain func(t testing.TB) int
}

// send makes the peer write b, from the test's goroutine.
func (e endpoint) send(t testing.TB, b []byte) {
	t.Helper()
	if err := e.write(b); err != nil {
		t.Fatal(err)
	}
}

type sourceKind struct {
	name string
	open func(t testing.TB) endpoint
}

var sourceKinds = []sourceKind{{"TCPStream", openTCPStream}}

func openTCPStream(t testing.TB) endpoint {
	c, s := tcpPair(t)
	return endpoint{
		src:   s,
		write: func(b []byte) error { _, err := c.Write(b); return err },
		drain: func(t testing.TB) int { return drainStream(t, s) },
	}
}

// forEachSource runs test once per source kind.
func forEachSource(t *testing.T, test func(t *testing.T, open func(testing.TB) endpoint)) {
	for _, k := range sourceKinds {
		t.Run(k.name, func(t *testing.T) { test(t, k.open) })
	}
}

func TestEdgeTriggered(t *testing.T) {
	forEachSource(t, func(t *testing.T, open func(testing.TB) endpoint) {
		p := newPoll(t)
		e := open(t)
		if err := p.Registry().Register(e.src, 7, mio.Readable); err != nil {
			t.Fatal(err)
		}
		ev := mio.NewEvents(8)
		if got := pollAll(t, p, ev, 0); len(got) != 0 {
			t.Fatalf("events before any data: %v", got)
		}
		e.send(t, []byte("hello"))
		if got := expectEvent(t, p, ev, 7); !got.IsReadable() || got.IsWritable() {
			t.Fatalf("want readable only, got %v", got)
		}
		// Unread data: level-triggered would report it again, edge-triggered
		// must not.
		if got := pollAll(t, p, ev, 30*time.Millisecond); len(got) != 0 {
			t.Fatalf("edge reported twice without new data: %v", got)
		}
		if n := e.drain(t); n != 5 {
			t.Fatalf("drained %d bytes, want 5", n)
		}
		e.send(t, []byte("again"))
		expectEvent(t, p, ev, 7)
	})
}

func TestRegisterDuringBlockingPoll(t *testing.T) {
	forEachSource(t, func(t *testing.T, open func(testing.TB) endpoint) {
		p := newPoll(t)
		e := open(t)
		e.send(t, []byte("x"))
		done := pollOnceInBackground(t, p)
		if err := p.Registry().Register(e.src, 42, mio.Readable); err != nil {
			t.Fatal(err)
		}
		got := <-done
		if len(got) != 1 || got[0].Token() != 42 || !got[0].IsReadable() {
			t.Fatalf("got %v, want one readable event for token 42", got)
		}
	})
}

// A source is registered with one Poll at a time; after Deregister its
// token never comes back, and it may be registered again, elsewhere too.
func TestDeregisterAndDoubleRegister(t *testing.T) {
	forEachSource(t, func(t *testing.T, open func(testing.TB) endpoint) {
		p, q := newPoll(t), newPoll(t)
		e := open(t)
		r := p.Registry()
		if err := r.Register(e.src, 1, mio.Readable|mio.Writable); err != nil {
			t.Fatal(err)
		}
		if err := r.Register(e.src, 2, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
			t.Fatalf("same poll: %v, want ErrAlreadyRegistered", err)
		}
		if err := q.Registry().Register(e.src, 3, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
			t.Fatalf("second poll: %v, want ErrAlreadyRegistered", err)
		}
		if err := q.Registry().Reregister(e.src, 4, mio.Readable); !errors.Is(err, mio.ErrNotRegistered) {
			t.Fatalf("reregister with the other poll: %v, want ErrNotRegistered", err)
		}
		if err := r.Deregister(e.src); err != nil {
			t.Fatal(err)
		}
		e.send(t, []byte("x"))
		other := open(t)
		if err := r.Register(other.src, 9, mio.Readable); err != nil {
			t.Fatal(err)
		}
		other.send(t, []byte("y"))
		ev := mio.NewEvents(8)
		expectEvent(t, p, ev, 9) // the Poll works, and reports the other source only
		for range 3 {
			for _, got := range pollAll(t, p, ev, 20*time.Millisecond) {
				if got.Token() == 1 {
					t.Fatalf("event for a deregistered source: %v", got)
				}
			}
		}
		if err := r.Deregister(e.src); !errors.Is(err, mio.ErrNotRegistered) {
			t.Fatalf("second deregister: %v, want ErrNotRegistered", err)
		}
		if err := q.Registry().Register(e.src, 5, mio.Readable); err != nil {
			t.Fatalf("register with the other poll after deregister: %v", err)
		}
		expectEvent(t, q, ev, 5)
	})
}

func TestReregisterChangesTokenAndInterest(t *testing.T) {
	forEachSource(t, func(t *testing.T, open func(testing.TB) endpoint) {
		p := newPoll(t)
		e := open(t)
		r := p.Registry()
		if err := r.Register(e.src, 1, mio.Readable); err != nil {
			t.Fatal(err)
		}
		ev := mio.NewEvents(8)
		if got := pollAll(t, p, ev, 20*time.Millisecond); len(got) != 0 {
			t.Fatalf("readable-only registration of an idle source reported %v", got)
		}
		if err := r.Reregister(e.src, 2, mio.Writable); err != nil {
			t.Fatal(err)
		}
		if got := expectEvent(t, p, ev, 2); !got.IsWritable() || got.IsReadable() {
			t.Fatalf("got %v, want writable only for token 2", got)
		}
		if err := r.Reregister(e.src, 3, mio.Readable); err != nil {
			t.Fatal(err)
		}
		e.send(t, []byte("x"))
		if got := expectEvent(t, p, ev, 3); !got.IsReadable() {
			t.Fatalf("got %v, want readable for token 3", got)
		}
		if err := r.Reregister(open(t).src, 1, mio.Readable); !errors.Is(err, mio.ErrNotRegistered) {
			t.Fatalf("reregister of an unregistered source: %v, want ErrNotRegistered", err)
		}
	})
}

// Registry calls from 8 goroutines while another goroutine polls: every
// call succeeds, and the poller is never stuck.
func TestRegistryFromManyGoroutines(t *testing.T) {
	forEachSource(t, func(t *testing.T, open func(testing.TB) endpoint) {
		p := newPoll(t)
		stopPolling := pollLoop(t, p)
		var wg sync.WaitGroup
		for g := range 8 {
			e := open(t)
			wg.Go(func() {
				r := p.Registry()
				for i := range 100 {
					tok := mio.Token(g<<16 | i)
					steps := []func() error{
						func() error { return r.Register(e.src, tok, mio.Readable) },
						func() error { return e.write([]byte("x")) },
						func() error { return r.Reregister(e.src, tok, mio.Readable|mio.Writable) },
						func() error { return r.Deregister(e.src) },
					}
					for _, step := range steps {
						if err := step(); err != nil {
							t.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		stopPolling()
	})
}
