//go:build mio_poll

package mio_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gomio/mio"
)

// Over poll(2), on any OS (a BSD's or darwin's kqueue included, once the
// tag mio_poll replaces it), timeouts count in milliseconds:
// HasMicrosecondTimeouts says so, and a 200 µs Poll with nothing ready is
// rounded up to a whole millisecond, never cut short. The median of a few
// Polls is taken, since a signal may end one early.
func TestPollBackendTimeoutsAreMilliseconds(t *testing.T) {
	if mio.HasMicrosecondTimeouts() {
		t.Fatal("HasMicrosecondTimeouts is true over poll(2), whose timeouts are milliseconds")
	}
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ev := mio.NewEvents(4)
	took := make([]time.Duration, 5)
	for i := range took {
		start := time.Now()
		if err := p.Poll(ev, 200*time.Microsecond); err != nil {
			t.Fatal(err)
		}
		took[i] = time.Since(start)
		if ev.Len() != 0 {
			t.Fatalf("an event with nothing registered: %v", ev)
		}
	}
	slices.Sort(took)
	if median := took[len(took)/2]; median < time.Millisecond {
		t.Fatalf("a 200µs Poll took %v (median of %v): not rounded up to poll(2)'s millisecond", median, took)
	}
}
