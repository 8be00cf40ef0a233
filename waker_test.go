//go:build unix || windows || wasip1

package mio_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio"
)

func TestWakerFromManyGoroutines(t *testing.T) {
	p := newPoll(t)
	const tok = mio.Token(^uint64(0))
	w, err := mio.NewWaker(p.Registry(), tok)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if err := w.Wake(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	ev := mio.NewEvents(16)
	events := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		for _, e := range pollAll(t, p, ev, 10*time.Millisecond) {
			if e.Token() != tok || !e.IsReadable() {
				t.Fatalf("unexpected event %v", e)
			}
			events++
		}
	}
	if events == 0 || events > 8000 {
		t.Fatalf("%d waker events for 8000 wakes", events)
	}
	// Wakes before a poll coalesce into at least one event.
	for range 5 {
		w.Wake()
	}
	got := pollAll(t, p, ev, 5*time.Second)
	if len(got) != 1 || got[0].Token() != tok {
		t.Fatalf("after 5 wakes: %v, want exactly one waker event", got)
	}
}

func TestOneWakerPerPoll(t *testing.T) {
	p := newPoll(t)
	w, err := mio.NewWaker(p.Registry(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mio.NewWaker(p.Registry(), 2); !errors.Is(err, mio.ErrWakerExists) {
		t.Fatalf("second waker: %v, want ErrWakerExists", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.Wake(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Wake after Close: %v", err)
	}
	w2, err := mio.NewWaker(p.Registry(), 3)
	if err != nil {
		t.Fatalf("waker after closing the first: %v", err)
	}
	w2.Wake()
	ev := mio.NewEvents(4)
	if e := expectEvent(t, p, ev, 3); !e.IsReadable() {
		t.Fatalf("got %v", e)
	}
	w2.Close()
}

func TestWakerWakesBlockedPoll(t *testing.T) {
	p := newPoll(t)
	w, err := mio.NewWaker(p.Registry(), 9)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ev := mio.NewEvents(4)
	blocked := mio.AboutToBlock(t, p)
	go func() {
		<-blocked
		w.Wake()
	}()
	if err := p.Poll(ev, -1); err != nil {
		t.Fatal(err)
	}
	if e, ok := ev.Pop(); !ok || e.Token() != 9 {
		t.Fatalf("got %v %v", e, ok)
	}
}
