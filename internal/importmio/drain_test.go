// Package importmio is a program's view of mio: its test imports mio and
// nothing else of this module, as a user's event loop does, so that it
// compiles against mio's export data alone (see mio's aliases.go).
package importmio_test

import (
	"testing"
	"time"

	"github.com/gomio/mio"
)

type loop struct {
	wakes, other int
}

// handle is what a real loop calls per event, kept a call as a real
// handler is (too big to inline): the range body below then has a call in
// it, as a user's has.
//
//go:noinline
func (l *loop) handle(ev mio.Event) {
	l.other++
}

// A Wake, a Poll and a range over Drain, written the documented way in a
// package that imports mio alone, make no allocation. Without mio naming
// the aliased methods, Drain is not inlined here, and the range's closure
// and state go to the heap: three allocations per iteration on Linux with
// Go 1.26.
func TestDrainLoopAllocatesNothing(t *testing.T) {
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const wakeToken = 7
	w, err := mio.NewWaker(p.Registry(), wakeToken)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	events := mio.NewEvents(16)
	var l loop
	allocs := testing.AllocsPerRun(200, func() {
		if err := w.Wake(); err != nil {
			t.Fatal(err)
		}
		if err := p.Poll(events, time.Second); err != nil {
			t.Fatal(err)
		}
		for ev := range events.Drain() {
			switch ev.Token() {
			case wakeToken:
				l.wakes++
			default:
				l.handle(ev)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("Wake, Poll and a range over Drain: %v allocations per run, want 0", allocs)
	}
	if l.wakes == 0 || l.other != 0 {
		t.Errorf("%d wake events and %d others, want wakes only", l.wakes, l.other)
	}
}
