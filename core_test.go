//go:build unix || windows || wasip1

package mio_test

// Poll's own behaviour on every OS with a backend: the ring, timeouts, Close,
// misuse, busy polling. The registration contract, over every kind of
// source, is contract_test.go.

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

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
