//go:build linux || windows || darwin || dragonfly || freebsd || netbsd || openbsd

package mio_test

// The core contract over TCP sockets, on every OS with a net package (the
// descriptor-level tests are in the _linux files).

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

func TestSocketEdgeTriggered(t *testing.T) {
	p := newPoll(t)
	c, s := tcpPair(t)
	if err := p.Registry().Register(s, 7, mio.Readable); err != nil {
		t.Fatal(err)
	}
	ev := mio.NewEvents(8)
	if got := pollAll(t, p, ev, 20*time.Millisecond); len(got) != 0 {
		t.Fatalf("events before any data: %v", got)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if e := expectEvent(t, p, ev, 7); !e.IsReadable() || e.IsWritable() {
		t.Fatalf("want readable only, got %v", e)
	}
	// Unread data: level-triggered would report it again, edge-triggered not.
	if got := pollAll(t, p, ev, 30*time.Millisecond); len(got) != 0 {
		t.Fatalf("edge reported twice without new data: %v", got)
	}
	if n := drainStream(t, s); n != 5 {
		t.Fatalf("drained %d bytes, want 5", n)
	}
	if _, err := c.Write([]byte("again")); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p, ev, 7)
}

func TestSocketRegisterDuringBlockingPoll(t *testing.T) {
	p := newPoll(t)
	c, s := tcpPair(t)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	done := pollOnceInBackground(t, p)
	if err := p.Registry().Register(s, 42, mio.Readable); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if len(got) != 1 || got[0].Token() != 42 || !got[0].IsReadable() {
		t.Fatalf("got %v, want one readable event for token 42", got)
	}
}

func TestSocketDeregisterAndDoubleRegister(t *testing.T) {
	p, q := newPoll(t), newPoll(t)
	c, s := tcpPair(t)
	r := p.Registry()
	if err := r.Register(s, 1, mio.Readable|mio.Writable); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(s, 2, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("same poll: %v, want ErrAlreadyRegistered", err)
	}
	if err := q.Registry().Register(s, 3, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("second poll: %v, want ErrAlreadyRegistered", err)
	}
	if err := r.Reregister(s, 4, mio.Readable); err != nil {
		t.Fatal(err)
	}
	if err := q.Registry().Reregister(s, 4, mio.Readable); !errors.Is(err, mio.ErrNotRegistered) {
		t.Fatalf("reregister with the other poll: %v, want ErrNotRegistered", err)
	}
	if err := r.Deregister(s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	ev := mio.NewEvents(8)
	for range 3 {
		for _, e := range pollAll(t, p, ev, 20*time.Millisecond) {
			t.Fatalf("event after deregister: %v", e)
		}
	}
	if err := r.Deregister(s); !errors.Is(err, mio.ErrNotRegistered) {
		t.Fatalf("second deregister: %v, want ErrNotRegistered", err)
	}
	if err := q.Registry().Register(s, 5, mio.Readable); err != nil {
		t.Fatalf("register with the other poll after deregister: %v", err)
	}
	expectEvent(t, q, ev, 5)
}

func TestSocketReregisterChangesTokenAndInterest(t *testing.T) {
	p := newPoll(t)
	c, s := tcpPair(t)
	r := p.Registry()
	if err := r.Register(s, 1, mio.Writable); err != nil {
		t.Fatal(err)
	}
	ev := mio.NewEvents(8)
	if e := expectEvent(t, p, ev, 1); !e.IsWritable() {
		t.Fatalf("want writable, got %v", e)
	}
	if err := r.Reregister(s, 2, mio.Readable); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	e := expectEvent(t, p, ev, 2)
	if !e.IsReadable() {
		t.Fatalf("want readable for token 2, got %v", e)
	}
}

func TestRingFullAndNoCapacity(t *testing.T) {
	p := newPoll(t)
	w, err := mio.NewWaker(p.Registry(), 9)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ev := mio.NewEvents(1)
	if err := w.Wake(); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, p, ev, 9)
	if err := w.Wake(); err != nil {
		t.Fatal(err)
	}
	if err := p.Poll(ev, time.Second); err != nil || ev.Len() != 1 {
		t.Fatalf("poll: %v, %d events", err, ev.Len())
	}
	if err := p.Poll(ev, -1); !errors.Is(err, mio.ErrEventsFull) {
		t.Fatalf("full ring: %v, want ErrEventsFull", err)
	}
	if err := p.Poll(mio.NewEvents(0), -1); !errors.Is(err, mio.ErrNoCapacity) {
		t.Fatalf("capacity 0: %v, want ErrNoCapacity", err)
	}
	if err := p.Poll(nil, -1); !errors.Is(err, mio.ErrNoCapacity) {
		t.Fatalf("nil ring: %v, want ErrNoCapacity", err)
	}
}

func TestTimeoutIsNeverShort(t *testing.T) {
	p := newPoll(t)
	ev := mio.NewEvents(4)
	for _, d := range []time.Duration{time.Microsecond, 1500 * time.Microsecond, 20 * time.Millisecond} {
		start := time.Now()
		if err := p.Poll(ev, d); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el < d {
			t.Fatalf("Poll(%v) returned after %v", d, el)
		}
	}
}

func TestCloseWakesBlockedPoll(t *testing.T) {
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	ev := mio.NewEvents(4)
	done := make(chan error)
	blocked := mio.AboutToBlock(t, p)
	go func() { done <- p.Poll(ev, -1) }()
	<-blocked
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, mio.ErrClosed) {
			t.Fatalf("blocked Poll returned %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake the blocked Poll")
	}
	if err := p.Poll(ev, 0); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Poll after Close: %v", err)
	}
	if !ev.IsEmpty() {
		t.Fatalf("a closed Poll delivered events: %d", ev.Len())
	}
}

// Misuse through sockets returns errors on every OS; none panics or blocks.
func TestSocketMisuse(t *testing.T) {
	p := newPoll(t)
	r := p.Registry()
	_, s := tcpPair(t)
	var nilStream *mnet.TCPStream
	unsupported := mio.AIO // no AIO on Linux or Windows
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		unsupported = mio.Priority // kqueue has no priority filter
	}
	closed, _ := tcpPair(t)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"zero interest", r.Register(s, 1, 0), mio.ErrInvalidInterest},
		{"undefined interest bits", r.Register(s, 1, 0x80), mio.ErrInvalidInterest},
		{"interest this OS lacks", r.Register(s, 1, unsupported|mio.Readable), errors.ErrUnsupported},
		{"nil source", r.Register(nil, 1, mio.Readable), mio.ErrNilSource},
		{"nil stream", r.Register(nilStream, 1, mio.Readable), mio.ErrNilSource},
		{"closed stream", r.Register(closed, 1, mio.Readable), mio.ErrClosed},
		{"reregister unregistered", r.Reregister(s, 1, mio.Readable), mio.ErrNotRegistered},
		{"deregister unregistered", r.Deregister(s), mio.ErrNotRegistered},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
	w, err := mio.NewWaker(r, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mio.NewWaker(r, 2); !errors.Is(err, mio.ErrWakerExists) {
		t.Errorf("second waker: %v, want ErrWakerExists", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Errorf("second waker Close: %v, want ErrClosed", err)
	}
	if err := w.Wake(); !errors.Is(err, mio.ErrClosed) {
		t.Errorf("Wake after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	after := []struct {
		name string
		err  error
	}{
		{"Poll after Close", p.Poll(mio.NewEvents(1), -1)},
		{"Register after Close", r.Register(s, 1, mio.Readable)},
		{"Reregister after Close", r.Reregister(s, 1, mio.Readable)},
		{"Deregister after Close", r.Deregister(s)},
		{"NewWaker after Close", func() error { _, err := mio.NewWaker(r, 1); return err }()},
	}
	for _, c := range after {
		if !errors.Is(c.err, mio.ErrClosed) {
			t.Errorf("%s: got %v, want ErrClosed", c.name, c.err)
		}
	}
}

// Registry calls from 8 goroutines while another goroutine polls: every
// call succeeds, and the poller is never stuck.
func TestSocketRegistryFromManyGoroutines(t *testing.T) {
	p := newPoll(t)
	stopPolling := pollLoop(t, p)
	var wg sync.WaitGroup
	for g := range 8 {
		c, s := tcpPair(t)
		wg.Go(func() {
			r := p.Registry()
			for i := range 100 {
				tok := mio.Token(g<<16 | i)
				steps := []func() error{
					func() error { return r.Register(s, tok, mio.Readable) },
					func() error { _, err := c.Write([]byte("x")); return err },
					func() error { return r.Reregister(s, tok, mio.Readable|mio.Writable) },
					func() error { return r.Deregister(s) },
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
}

func TestRingNeverOverwritesAndDrainKeepsRest(t *testing.T) {
	p := newPoll(t)
	const sources = 10
	for i := range sources {
		readySource(t, p, mio.Token(100+i))
	}
	ev := mio.NewEvents(4)
	if err := p.Poll(ev, time.Second); err != nil {
		t.Fatal(err)
	}
	if ev.Len() != 4 {
		t.Fatalf("len %d after first poll, want 4", ev.Len())
	}
	if err := p.Poll(ev, -1); !errors.Is(err, mio.ErrEventsFull) {
		t.Fatalf("poll on a full ring: %v, want ErrEventsFull", err)
	}
	seen := map[mio.Token]int{}
	// Consume one through Drain, breaking early: the other three stay.
	for e := range ev.Drain() {
		seen[e.Token()]++
		break
	}
	if ev.Len() != 3 {
		t.Fatalf("len %d after breaking out of Drain, want 3", ev.Len())
	}
	for len(seen) < sources {
		if err := p.Poll(ev, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if ev.IsEmpty() {
			t.Fatalf("ran out of events with %d of %d seen", len(seen), sources)
		}
		e, _ := ev.Pop()
		seen[e.Token()]++
	}
	for len(seen) >= sources && !ev.IsEmpty() {
		e, _ := ev.Pop()
		seen[e.Token()]++
	}
	for tok, n := range seen {
		if n != 1 || tok < 100 || tok >= 100+sources {
			t.Fatalf("token %d seen %d times", tok, n)
		}
	}
	if got := pollAll(t, p, ev, 0); len(got) != 0 {
		t.Fatalf("extra events: %v", got)
	}
}

func TestPollDoesNotBlockWhileRingHoldsEvents(t *testing.T) {
	p := newPoll(t)
	readySource(t, p, 1)
	ev := mio.NewEvents(4)
	if err := p.Poll(ev, time.Second); err != nil || ev.Len() != 1 {
		t.Fatalf("poll: %v, len %d", err, ev.Len())
	}
	done := make(chan error, 1)
	go func() { done <- p.Poll(ev, -1) }()
	select {
	case err := <-done:
		if err != nil || ev.Len() != 1 {
			t.Fatalf("poll with a held event: %v, len %d", err, ev.Len())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Poll(-1) blocked although the ring held an event")
	}
}

func TestBusyPollKeepsTimeoutsAndEvents(t *testing.T) {
	p := newPoll(t)
	p.SetBusyPoll(50 * time.Millisecond)
	ev := mio.NewEvents(8)
	// A timeout shorter than the spin is honoured, not stretched to it, and
	// never cut short.
	for _, d := range []time.Duration{5 * time.Millisecond, 80 * time.Millisecond} {
		start := time.Now()
		if err := p.Poll(ev, d); err != nil || !ev.IsEmpty() {
			t.Fatalf("idle Poll(%v): %v, %d events", d, err, ev.Len())
		}
		if el := time.Since(start); el < d {
			t.Fatalf("Poll(%v) returned after %v", d, el)
		}
	}
	// Events are reported while spinning and after it, exactly as without.
	w, err := mio.NewWaker(p.Registry(), 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A wake that is there when the spin starts, and one that comes only
	// once the spin is over and the wait blocks.
	blocked := mio.AboutToBlock(t, p)
	for _, whileSpinning := range []bool{true, false} {
		if whileSpinning {
			w.Wake()
		} else {
			go func() { <-blocked; w.Wake() }()
		}
		if err := p.Poll(ev, -1); err != nil {
			t.Fatal(err)
		}
		if e, ok := ev.Pop(); !ok || e.Token() != 3 || !e.IsReadable() {
			t.Fatalf("wake while spinning %v: %v %v", whileSpinning, e, ok)
		}
	}
	readySource(t, p, 4)
	if got := pollAll(t, p, ev, time.Second); len(got) != 1 || got[0].Token() != 4 {
		t.Fatalf("ready source while busy polling: %v", got)
	}
	p.SetBusyPoll(0)
	p.SetBusyPoll(-time.Second) // negative is off, not an error
	if err := p.Poll(ev, time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
