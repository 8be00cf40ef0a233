//go:build linux

package mio_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gomio/mio"
)

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
	for _, delay := range []time.Duration{time.Millisecond, 100 * time.Millisecond} {
		go func() { time.Sleep(delay); w.Wake() }()
		if err := p.Poll(ev, -1); err != nil {
			t.Fatal(err)
		}
		if e, ok := ev.Pop(); !ok || e.Token() != 3 || !e.IsReadable() {
			t.Fatalf("after %v: %v %v", delay, e, ok)
		}
	}
	register(t, p, eventFd(t, true), 4, mio.Readable)
	if got := pollAll(t, p, ev, time.Second); len(got) != 1 || got[0].Token() != 4 {
		t.Fatalf("ready source while busy polling: %v", got)
	}
	p.SetBusyPoll(0)
	p.SetBusyPoll(-time.Second) // negative is off, not an error
	if err := p.Poll(ev, time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

// A 200 µs timeout returns after at least 200 µs and, where the kernel has
// epoll_pwait2, well under a millisecond (the median of many waits, so that
// one preempted wait does not decide).
func TestMicrosecondTimeout(t *testing.T) {
	p := newPoll(t)
	ev := mio.NewEvents(4)
	const d = 200 * time.Microsecond
	var took []time.Duration
	for range 50 {
		start := time.Now()
		if err := p.Poll(ev, d); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		if el < d {
			t.Fatalf("Poll(%v) returned after %v", d, el)
		}
		took = append(took, el)
	}
	slices.Sort(took)
	median := took[len(took)/2]
	t.Logf("median %v, max %v", median, took[len(took)-1])
	if !mio.HasMicrosecondTimeouts() {
		t.Skipf("no epoll_pwait2 here: timeouts round up to milliseconds (median %v)", median)
	}
	if median >= 900*time.Microsecond {
		t.Fatalf("median %v for a %v timeout: microseconds are not honoured", median, d)
	}
}
