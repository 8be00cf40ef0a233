package selector_test

import (
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/selector"
)

// newSelector returns a selector that the test closes when it ends.
func newSelector(t *testing.T) *selector.Selector {
	t.Helper()
	s, err := selector.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// wait collects what one Wait with timeout returns.
func wait(t *testing.T, s *selector.Selector, timeout time.Duration) []events.Event {
	t.Helper()
	dst := make([]events.Event, 8)
	n, err := s.Wait(dst, timeout)
	if err != nil {
		t.Fatalf("Wait(%v): %v", timeout, err)
	}
	return dst[:n]
}
