package timer_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/timer"
)

// The benchmarks compare a wheel with time.AfterFunc, one timer per
// connection as a proxy keeps them, with 10 000 other connections' timers
// pending meanwhile:
//
//	op=add+cancel     a connection opens and closes before its timeout
//	op=add+reset×16   an idle timeout refreshed by each of 16 messages
//	op=expire×10000   10 000 timeouts that all expire (per op: all of them)
//
// and, for the wheel alone, op=next+expire: a loop's turn while 10 000
// timers wait in the current tick, due later in it.
//
// The wheel's clock is the time each benchmark hands it; AfterFunc's timers
// run on the runtime's, so in op=expire×10000 its timers are given deadlines
// of 0 to 10 µs and the benchmark waits for the last callback.

const (
	population = 10_000
	messages   = 16
	idle       = 30 * time.Second
)

func BenchmarkWheel(b *testing.B) {
	newWheel := func() *timer.Wheel {
		w := timer.New(time.Millisecond, base)
		for i := range population {
			w.Add(idle+time.Duration(i)*time.Millisecond, events.Token(i))
		}
		return w
	}
	b.Run("op=add+cancel", func(b *testing.B) {
		w := newWheel()
		b.ReportAllocs()
		for b.Loop() {
			w.Cancel(w.Add(idle, 1))
		}
	})
	b.Run("op=add+reset×16", func(b *testing.B) {
		w := newWheel()
		b.ReportAllocs()
		for b.Loop() {
			id := w.Add(idle, 1)
			for range messages {
				w.Reset(id, idle)
			}
			w.Cancel(id)
		}
	})
	b.Run("op=next+expire", func(b *testing.B) {
		w := timer.New(time.Millisecond, base)
		now := idle + 100*time.Microsecond
		w.Expire(at(now), nil)
		for i := range population {
			w.Add(800*time.Microsecond, events.Token(i))
		}
		b.ReportAllocs()
		for b.Loop() {
			w.Next()
			w.Expire(at(now), nil)
		}
		if w.Len() != population {
			b.Fatal("timers fired before their deadline")
		}
	})
	b.Run("op=expire×10000", func(b *testing.B) {
		w := timer.New(time.Millisecond, base)
		now := time.Duration(0)
		fired := 0
		fire := func(events.Token) { fired++ }
		// Warm up: the entries a population needs are allocated once.
		ids := make([]timer.ID, population)
		for i := range ids {
			ids[i] = w.Add(0, events.Token(i))
		}
		for _, id := range ids {
			w.Cancel(id)
		}
		b.ReportAllocs()
		for b.Loop() {
			for i := range population {
				w.Add(time.Duration(i)*time.Millisecond/4, events.Token(i))
			}
			// One Expire per millisecond, as a loop woken by Next would.
			end := now + population*time.Millisecond/4
			for now < end {
				now += time.Millisecond
				w.Expire(at(now), fire)
			}
		}
		if fired != b.N*population {
			b.Fatalf("fired %d of %d", fired, b.N*population)
		}
	})
}

func BenchmarkAfterFunc(b *testing.B) {
	nop := func() {}
	withPopulation := func(b *testing.B) {
		ts := make([]*time.Timer, population)
		for i := range ts {
			ts[i] = time.AfterFunc(idle+time.Duration(i)*time.Millisecond, nop)
		}
		b.Cleanup(func() {
			for _, t := range ts {
				t.Stop()
			}
		})
	}
	b.Run("op=add+cancel", func(b *testing.B) {
		withPopulation(b)
		b.ReportAllocs()
		for b.Loop() {
			time.AfterFunc(idle, nop).Stop()
		}
	})
	b.Run("op=add+reset×16", func(b *testing.B) {
		withPopulation(b)
		b.ReportAllocs()
		for b.Loop() {
			t := time.AfterFunc(idle, nop)
			for range messages {
				t.Reset(idle)
			}
			t.Stop()
		}
	})
	b.Run("op=expire×10000", func(b *testing.B) {
		var wg sync.WaitGroup
		done := wg.Done
		b.ReportAllocs()
		for b.Loop() {
			wg.Add(population)
			for i := range population {
				time.AfterFunc(time.Duration(i), done)
			}
			wg.Wait()
		}
	})
}
