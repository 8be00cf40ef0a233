package timer_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/timer"
)

// model is the reference a wheel is checked against: every pending timer and
// its deadline, kept in a map and searched in full.
type model struct {
	now     time.Duration
	pending map[events.Token]time.Duration // token -> deadline since base
	ids     map[events.Token]timer.ID
}

// due returns the tokens of the pending timers whose deadline is at or
// before now, sorted.
func (m *model) due(now time.Duration) []events.Token {
	var ts []events.Token
	for tok, d := range m.pending {
		if d <= now {
			ts = append(ts, tok)
		}
	}
	slices.Sort(ts)
	return ts
}

// ops reads a test program out of fuzz or random bytes.
type ops struct{ b []byte }

func (o *ops) byte() byte {
	if len(o.b) == 0 {
		return 0
	}
	c := o.b[0]
	o.b = o.b[1:]
	return c
}

// duration spans nanoseconds to weeks, so that timers land in every level.
func (o *ops) duration() time.Duration {
	v := uint64(o.byte())<<8 | uint64(o.byte())
	return time.Duration(v << (o.byte() % 36))
}

// drive runs the program in b against a wheel and the model and fails at
// the first difference: a timer fired early, not fired once due, fired
// twice, an ID acting when it should not, a wrong Len, or a Next that would
// let a loop sleep past a deadline. A program whose first byte is odd only
// adds and expires: no slot then loses its earliest timer, and Next must be
// exact at every level.
func drive(t *testing.T, b []byte) {
	o := &ops{b: b}
	addOnly := o.byte()%2 == 1
	resolutions := []time.Duration{time.Nanosecond, time.Microsecond, time.Millisecond, 7 * time.Millisecond, time.Second}
	res := resolutions[int(o.byte())%len(resolutions)]
	w := timer.New(res, base)
	m := &model{pending: map[events.Token]time.Duration{}, ids: map[events.Token]timer.ID{}}
	var next events.Token // tokens name timers: each Add takes a new one
	var stale []timer.ID
	pick := func() (events.Token, timer.ID, bool) {
		if len(m.ids) == 0 {
			return 0, timer.ID{}, false
		}
		keys := make([]events.Token, 0, len(m.ids))
		for k := range m.ids {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		k := keys[int(o.byte())%len(keys)]
		return k, m.ids[k], true
	}
	add := func(after time.Duration) {
		next++
		id := w.Add(after, next)
		m.pending[next] = m.now + max(after, 0)
		m.ids[next] = id
	}
	forget := func(tok events.Token) {
		stale = append(stale, m.ids[tok])
		delete(m.pending, tok)
		delete(m.ids, tok)
	}
	for len(o.b) > 0 {
		op := o.byte() % 6
		if addOnly && op != 5 {
			op = 0
		}
		switch op {
		case 0, 1:
			add(o.duration())
		case 2:
			if tok, id, ok := pick(); ok {
				after := o.duration()
				if !w.Reset(id, after) {
					t.Fatalf("Reset of pending timer %d failed", tok)
				}
				m.pending[tok] = m.now + after
			}
		case 3:
			if tok, id, ok := pick(); ok {
				if !w.Cancel(id) {
					t.Fatalf("Cancel of pending timer %d failed", tok)
				}
				forget(tok)
			}
		case 4:
			if len(stale) > 0 {
				id := stale[int(o.byte())%len(stale)]
				if w.Cancel(id) || w.Reset(id, time.Second) {
					t.Fatalf("stale ID %v acted", id)
				}
			}
		case 5:
			step := o.duration()
			if o.byte()%8 == 0 {
				step = -step // time going backwards: ignored
			}
			now := m.now + step
			want := m.due(now)
			if now < m.now {
				want = nil
			}
			m.now = max(m.now, now) // the time Add sees inside fire
			var got []events.Token
			again := o.byte()%4 == 0
			n := w.Expire(at(now), func(tok events.Token) {
				got = append(got, tok)
				if again { // a timer added from fire: not fired by this Expire
					add(time.Duration(tok%3) * res / 2)
				}
			})
			slices.Sort(got)
			if !slices.Equal(got, want) || n != len(got) {
				t.Fatalf("Expire at %v (from %v, res %v) fired %v (returned %d), want %v", now, m.now, res, got, n, want)
			}
			for _, tok := range got {
				forget(tok)
			}
		}
		checkNext(t, w, m, res, addOnly)
	}
}

// checkNext holds Next to its promise: -1 exactly when nothing is pending,
// a multiple of the resolution, never past the earliest deadline rounded up,
// 0 only when a timer is due, and equal to that deadline rounded up when it
// is in level 0 (the current tick's block of 64) or when no timer ever left
// a slot but by firing.
func checkNext(t *testing.T, w *timer.Wheel, m *model, res time.Duration, exact bool) {
	t.Helper()
	if w.Len() != len(m.pending) {
		t.Fatalf("Len = %d, want %d", w.Len(), len(m.pending))
	}
	got := w.Next()
	if len(m.pending) == 0 {
		if got != -1 {
			t.Fatalf("Next = %v with no timer, want -1", got)
		}
		return
	}
	earliest := time.Duration(1<<63 - 1)
	for _, d := range m.pending {
		earliest = min(earliest, d)
	}
	want := max(earliest-m.now, 0)
	if r := want % res; r != 0 {
		want += res - r
	}
	if got < 0 || got%res != 0 && got != 1<<63-1 || got > want {
		t.Fatalf("Next = %v, want a multiple of %v up to %v", got, res, want)
	}
	if got == 0 && want != 0 {
		t.Fatalf("Next = 0 with the earliest deadline %v away: the loop would spin", earliest-m.now)
	}
	if (exact || earliest/res>>6 == m.now/res>>6) && got != want && got != 1<<63-1 {
		t.Fatalf("Next = %v, want exactly %v", got, want)
	}
}

func TestAgainstModel(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 14))
		b := make([]byte, 4000)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		drive(t, b)
	}
}

func FuzzAgainstModel(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0, 10, 0, 5, 0, 20, 0, 5, 0, 10, 0, 1})
	f.Add([]byte{0, 1, 1, 255, 255, 30, 5, 255, 255, 33, 1, 3, 0, 4, 0})
	f.Add([]byte{1, 2, 0, 1, 0, 30, 0, 2, 0, 20, 5, 0, 1, 0, 25, 1})
	f.Fuzz(drive)
}
