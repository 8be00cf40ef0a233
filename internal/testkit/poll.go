package testkit

import (
	"testing"
	"time"

	"github.com/gomio/mio"
)

// WaitFor polls p until an event for tok satisfying ok arrives, and returns
// it; it fails t after 5 s without one.
func WaitFor(t testing.TB, p *mio.Poll, tok mio.Token, ok func(mio.Event) bool) mio.Event {
	t.Helper()
	ev := mio.NewEvents(64)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := p.Poll(ev, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		for e := range ev.Drain() {
			if e.Token() == tok && ok(e) {
				return e
			}
		}
	}
	t.Fatalf("no matching event for token %d", tok)
	return mio.Event{}
}
