package timer_test

import (
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/timer"
)

// TestNoAllocationAfterWarmUp checks the promise a loop relies on: once the
// wheel has held as many timers as it holds now, Add, Reset, Cancel, Next
// and Expire allocate nothing.
func TestNoAllocationAfterWarmUp(t *testing.T) {
	const n = 1000
	w := timer.New(time.Millisecond, base)
	ids := make([]timer.ID, n)
	for i := range ids {
		ids[i] = w.Add(time.Duration(i)*time.Second, events.Token(i))
	}
	for _, id := range ids {
		w.Cancel(id)
	}
	now := time.Duration(0)
	fired := 0
	fire := func(events.Token) { fired++ }
	tests := []struct {
		name string
		op   func()
	}{
		{"Add+Cancel", func() { w.Cancel(w.Add(30*time.Second, 1)) }},
		{"Reset", func() {
			for i := range ids[:100] {
				w.Reset(ids[i], time.Duration(i)*time.Hour)
			}
		}},
		{"Next", func() { w.Next() }},
		{"Expire", func() {
			// Every timer fires and is added again, across levels.
			now += 24 * time.Hour
			w.Expire(at(now), fire)
			for i := range ids {
				ids[i] = w.Add(time.Duration(i)*time.Minute, events.Token(i))
			}
		}},
	}
	for i := range ids {
		ids[i] = w.Add(time.Duration(i)*time.Minute, events.Token(i))
	}
	for _, tc := range tests {
		if a := testing.AllocsPerRun(50, tc.op); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, a)
		}
	}
	if fired == 0 {
		t.Fatal("the Expire case fired nothing")
	}
}

func TestGrowTakesTheWarmUp(t *testing.T) {
	const n = 500
	w := timer.New(time.Millisecond, base)
	w.Add(time.Second, 0)
	w.Grow(2 * n) // AllocsPerRun runs the function once more to warm up
	i := 0
	a := testing.AllocsPerRun(1, func() {
		for range n {
			w.Add(time.Duration(i)*time.Millisecond, events.Token(i))
			i++
		}
	})
	if a != 0 || w.Len() != 2*n+1 {
		t.Fatalf("%d Adds after Grow(%d): %v allocations, Len %d", 2*n, 2*n, a, w.Len())
	}
}
