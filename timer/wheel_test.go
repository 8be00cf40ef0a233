package timer_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/timer"
)

// base is an arbitrary origin: the wheel only ever looks at differences.
var base = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

// recorder collects the tokens that a wheel fires.
type recorder struct{ got []events.Token }

func (r *recorder) fire(t events.Token) { r.got = append(r.got, t) }

func (r *recorder) take() []events.Token {
	got := r.got
	r.got = nil
	slices.Sort(got)
	return got
}

// TestFiresAtFirstExpireThatReachesDeadline adds timers whose deadlines sit
// in every level of the wheel and on both sides of slot and level boundaries,
// then walks the clock past each deadline: each must fire at the first Expire
// whose now reaches its deadline and not one Expire before.
func TestFiresAtFirstExpireThatReachesDeadline(t *testing.T) {
	ms := time.Millisecond
	afters := []time.Duration{
		0, 1, ms - 1, ms, ms + 1, 63 * ms, 64 * ms, 65 * ms, 4095 * ms, 4096 * ms, 4097 * ms,
		262144*ms - 1, 262144 * ms, 30 * time.Second, time.Hour, 24 * time.Hour,
		24*time.Hour + 1, 40 * 24 * time.Hour, 3 * 365 * 24 * time.Hour,
	}
	for _, res := range []time.Duration{time.Nanosecond, time.Microsecond, ms, 7 * ms, time.Second} {
		t.Run(res.String(), func(t *testing.T) {
			w := timer.New(res, base)
			var r recorder
			for i, a := range afters {
				w.Add(a, events.Token(i))
			}
			if w.Len() != len(afters) {
				t.Fatalf("Len = %d, want %d", w.Len(), len(afters))
			}
			// Expire just before each deadline and exactly at it.
			var checkpoints []time.Duration
			for _, a := range afters {
				checkpoints = append(checkpoints, max(a-1, 0), a)
			}
			slices.Sort(checkpoints)
			fired := make([]bool, len(afters))
			for _, now := range checkpoints {
				var want []events.Token
				for i, a := range afters {
					if !fired[i] && a <= now {
						want = append(want, events.Token(i))
						fired[i] = true
					}
				}
				n := w.Expire(at(now), r.fire)
				if got := r.take(); !slices.Equal(got, want) || n != len(want) {
					t.Fatalf("Expire at %v fired %v (returned %d), want %v", now, got, n, want)
				}
			}
			if w.Len() != 0 || w.Next() != -1 {
				t.Fatalf("after the last deadline: Len %d, Next %v", w.Len(), w.Next())
			}
		})
	}
}

// TestExactlyAtDeadline checks that a timer fires at the Expire whose now is
// its deadline exactly, also when the wheel's current time is not on a tick
// boundary, and not at the Expire a nanosecond before.
func TestExactlyAtDeadline(t *testing.T) {
	tests := []struct {
		res, start, after time.Duration
	}{
		{time.Millisecond, 0, 10 * time.Millisecond},
		{time.Millisecond, 300 * time.Microsecond, 10 * time.Millisecond},
		{time.Millisecond, 999_999, 1},
		{time.Millisecond, 5 * time.Millisecond, 70 * time.Millisecond},
		{10 * time.Millisecond, 3 * time.Millisecond, 25 * time.Second},
		{time.Second, 1500 * time.Millisecond, 36 * time.Hour},
	}
	for _, tc := range tests {
		w := timer.New(tc.res, base)
		var r recorder
		w.Expire(at(tc.start), r.fire)
		id := w.Add(tc.after, 1)
		due := tc.start + tc.after
		if n := w.Expire(at(due-1), r.fire); n != 0 {
			t.Fatalf("%+v: fired %d a nanosecond early", tc, n)
		}
		if n := w.Expire(at(due), r.fire); n != 1 || !slices.Equal(r.take(), []events.Token{1}) {
			t.Fatalf("%+v: Expire at the deadline fired %d", tc, n)
		}
		if w.Cancel(id) || w.Reset(id, time.Second) {
			t.Fatalf("%+v: the fired timer's ID still acts", tc)
		}
	}
}

func TestCancelAndReset(t *testing.T) {
	ms := time.Millisecond
	w := timer.New(ms, base)
	var r recorder
	a := w.Add(10*ms, 1)
	b := w.Add(20*ms, 2)
	c := w.Add(30*time.Second, 3)
	if !w.Cancel(b) || w.Cancel(b) {
		t.Fatal("Cancel of a pending timer must succeed once")
	}
	if !w.Reset(a, 50*ms) {
		t.Fatal("Reset of a pending timer failed")
	}
	if !w.Reset(c, 5*ms) { // from a far level to a near one
		t.Fatal("Reset of a far timer failed")
	}
	if w.Len() != 2 {
		t.Fatalf("Len = %d, want 2", w.Len())
	}
	w.Expire(at(5*ms), r.fire)
	if got := r.take(); !slices.Equal(got, []events.Token{3}) {
		t.Fatalf("at 5ms fired %v, want [3]", got)
	}
	w.Expire(at(49*ms), r.fire)
	if got := r.take(); len(got) != 0 {
		t.Fatalf("at 49ms fired %v: the reset or the cancelled timer ran", got)
	}
	// Reset is relative to the wheel's current time, 49 ms now.
	if !w.Reset(a, 10*ms) {
		t.Fatal("second Reset failed")
	}
	w.Expire(at(58*ms), r.fire)
	if got := r.take(); len(got) != 0 {
		t.Fatalf("at 58ms fired %v", got)
	}
	w.Expire(at(59*ms), r.fire)
	if got := r.take(); !slices.Equal(got, []events.Token{1}) {
		t.Fatalf("at 59ms fired %v, want [1]", got)
	}
	if w.Len() != 0 {
		t.Fatalf("Len = %d, want 0", w.Len())
	}
}

func TestStaleIDs(t *testing.T) {
	w := timer.New(time.Millisecond, base)
	if w.Cancel(timer.ID{}) || w.Reset(timer.ID{}, time.Second) {
		t.Fatal("the zero ID acted")
	}
	other := timer.New(time.Millisecond, base)
	foreign := other.Add(time.Second, 9)
	for range 3 {
		other.Add(time.Second, 9)
	}
	if w.Cancel(foreign) {
		t.Fatal("an ID from another, larger wheel acted on an empty one")
	}

	cancelled := w.Add(time.Second, 1)
	w.Cancel(cancelled)
	reused := w.Add(time.Second, 2) // takes the cancelled timer's entry
	if w.Cancel(cancelled) || w.Reset(cancelled, time.Hour) {
		t.Fatal("a cancelled timer's ID acted on the timer that reused its entry")
	}
	w.Expire(at(time.Second), nil)
	if w.Cancel(reused) || w.Reset(reused, time.Second) {
		t.Fatal("a fired timer's ID acted")
	}
	fresh := w.Add(time.Second, 3)
	if w.Cancel(reused) {
		t.Fatal("a fired timer's ID acted on the timer that reused its entry")
	}
	if !w.Cancel(fresh) {
		t.Fatal("a fresh ID did not act")
	}
}

// TestNextRounding checks Next against deadlines on and off tick boundaries,
// from current times on and off them, and in levels above 0.
func TestNextRounding(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name              string
		res, start, after time.Duration
		want              time.Duration
	}{
		{"on tick", ms, 0, 10 * ms, 10 * ms},
		{"deadline off tick", ms, 0, 10*ms + 1, 11 * ms},
		{"start off tick", ms, 400 * time.Microsecond, 10 * ms, 10 * ms},
		{"both off tick", ms, 400 * time.Microsecond, 10*ms + 100*time.Microsecond, 11 * ms},
		{"under one tick", ms, 0, 1, ms},
		{"due now", ms, 3 * ms, 0, 0},
		{"negative is now", ms, 3 * ms, -time.Second, 0},
		{"coarse", 10 * ms, 0, 25 * ms, 30 * ms},
		{"last of level 0", ms, 0, 63 * ms, 63 * ms},
		{"level 1", ms, 0, 100 * ms, 100 * ms},
		{"level 2", ms, 0, 10*time.Second + 1, 10*time.Second + ms},
		{"level 5", ms, 0, 400 * 24 * time.Hour, 400 * 24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := timer.New(tc.res, base)
			if got := w.Next(); got != -1 {
				t.Fatalf("empty wheel: Next = %v, want -1", got)
			}
			w.Expire(at(tc.start), nil)
			w.Add(tc.after, 1)
			if got := w.Next(); got != tc.want {
				t.Fatalf("Next = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNextAfterTheEarliestLeaves checks Next once the earliest timer of a
// slot is cancelled: in level 0 it finds the new earliest; above, it answers
// with the cancelled timer's deadline, and after the Expire there, exactly.
func TestNextAfterTheEarliestLeaves(t *testing.T) {
	ms := time.Millisecond
	w := timer.New(ms, base)
	near := w.Add(10*ms, 1)
	w.Add(20*ms, 2)
	far := w.Add(10*time.Second, 3) // level 2, in the slot from 8.192 s
	w.Add(11*time.Second, 4)
	if !w.Cancel(near) || w.Next() != 20*ms {
		t.Fatalf("level 0: Next = %v after cancelling the earliest, want 20ms", w.Next())
	}
	w.Expire(at(20*ms), nil)
	if !w.Cancel(far) || w.Next() != 10*time.Second-20*ms {
		t.Fatalf("level 2: Next = %v after cancelling the earliest, want the time to its deadline", w.Next())
	}
	if n := w.Expire(at(10*time.Second), nil); n != 0 {
		t.Fatalf("the Expire at the cancelled deadline fired %d", n)
	}
	if got := w.Next(); got != time.Second {
		t.Fatalf("after the cascade: Next = %v, want 1s", got)
	}
}

// TestNextConverges follows Next from one wake-up to the next, as a loop
// would: every step is a multiple of the resolution, the clock never passes
// the deadline without the timer firing, and a far timer costs at most one
// early wake-up per level.
func TestNextConverges(t *testing.T) {
	for _, after := range []time.Duration{100 * time.Millisecond, 30 * time.Second, 24 * time.Hour, 400 * 24 * time.Hour} {
		w := timer.New(time.Millisecond, base)
		w.Expire(at(123456789), nil) // off a tick boundary
		now := time.Duration(123456789)
		w.Add(after, 1)
		due := now + after
		wakes, fired := 0, 0
		for fired == 0 {
			d := w.Next()
			if d <= 0 || d%time.Millisecond != 0 {
				t.Fatalf("after %v: Next = %v", after, d)
			}
			now += d
			wakes++
			fired = w.Expire(at(now), nil)
			if fired == 0 && now >= due {
				t.Fatalf("after %v: passed the deadline without firing", after)
			}
		}
		if now >= due+time.Millisecond || wakes > 11 {
			t.Fatalf("after %v: fired at %v past the deadline, after %d wake-ups", after, now-due, wakes)
		}
	}
}

func TestTimeGoingBackwardsIsIgnored(t *testing.T) {
	w := timer.New(time.Millisecond, base)
	if !w.Now().Equal(base) {
		t.Fatalf("Now = %v after New, want %v", w.Now(), base)
	}
	w.Expire(at(time.Second), nil)
	w.Add(10*time.Millisecond, 1)
	if n := w.Expire(at(0), nil); n != 0 {
		t.Fatalf("Expire into the past fired %d", n)
	}
	if n := w.Expire(base.Add(-time.Hour), nil); n != 0 {
		t.Fatalf("Expire before New's time fired %d", n)
	}
	// The wheel kept its time: the timer is still 10 ms away.
	if !w.Now().Equal(at(time.Second)) {
		t.Fatalf("Now = %v after a backwards Expire, want %v", w.Now(), at(time.Second))
	}
	if got := w.Next(); got != 10*time.Millisecond {
		t.Fatalf("Next = %v after a backwards Expire, want 10ms", got)
	}
	if n := w.Expire(at(time.Second+10*time.Millisecond), nil); n != 1 {
		t.Fatalf("fired %d at the deadline, want 1", n)
	}
}

// TestFireMayChangeTheWheel has fire add, reset and cancel timers, including
// ones still waiting in the slot being fired.
func TestFireMayChangeTheWheel(t *testing.T) {
	ms := time.Millisecond
	w := timer.New(ms, base)
	var ids [6]timer.ID
	// 1, 2 and 3 share a tick; 4 is due at the same Expire, a tick later.
	ids[1] = w.Add(5*ms, 1)
	ids[2] = w.Add(5*ms, 2)
	ids[3] = w.Add(5*ms, 3)
	ids[4] = w.Add(6*ms, 4)
	ids[5] = w.Add(time.Hour, 5)
	var got []events.Token
	first := true
	fire := func(tok events.Token) {
		got = append(got, tok)
		switch tok {
		case 1, 2, 3:
			// Whichever of the three fires first cancels one of the others
			// and pushes the third back; both are still in the firing slot.
			if first {
				first = false
				others := slices.DeleteFunc([]events.Token{1, 2, 3}, func(x events.Token) bool { return x == tok })
				if !w.Cancel(ids[others[0]]) || !w.Reset(ids[others[1]], 20*ms) {
					t.Error("Cancel or Reset of a timer in the firing slot failed")
				}
			}
			w.Add(0, 10) // due now, but not fired by this Expire
		case 4:
			if !w.Reset(ids[5], 0) {
				t.Error("Reset from fire failed")
			}
		}
	}
	if n := w.Expire(at(6*ms), fire); n != 2 || len(got) != 2 || got[1] != 4 {
		t.Fatalf("first Expire fired %v (%d), want one of 1..3 and 4", got, n)
	}
	if w.Next() != 0 {
		t.Fatalf("Next = %v with timers added due now, want 0", w.Next())
	}
	got = got[:0]
	if n := w.Expire(at(6*ms), fire); n != 2 || !slices.Equal(got, []events.Token{5, 10}) && !slices.Equal(got, []events.Token{10, 5}) {
		t.Fatalf("second Expire fired %v (%d), want 10 and 5", got, n)
	}
	got = got[:0]
	w.Expire(at(26*ms), fire)
	if len(got) != 1 {
		t.Fatalf("the reset timer: fired %v", got)
	}
	if w.Len() != 1 { // the token-10 timer its firing added
		t.Fatalf("Len = %d, want 1", w.Len())
	}
}

func TestResolutionDefault(t *testing.T) {
	for _, res := range []time.Duration{0, -time.Second} {
		w := timer.New(res, base)
		w.Add(time.Nanosecond, 1)
		if got := w.Next(); got != time.Millisecond {
			t.Fatalf("New(%v): Next = %v, want the 1ms default", res, got)
		}
	}
}

func TestFarDeadlinesSaturate(t *testing.T) {
	w := timer.New(time.Millisecond, base)
	w.Expire(at(time.Hour), nil)
	id := w.Add(time.Duration(1<<63-1), 1) // would overflow the wheel's clock
	if d := w.Next(); d <= 0 {
		t.Fatalf("Next = %v for a timer at the end of time", d)
	}
	if n := w.Expire(at(200*365*24*time.Hour), nil); n != 0 {
		t.Fatal("a saturated timer fired after 200 years")
	}
	if !w.Cancel(id) {
		t.Fatal("the saturated timer was not pending")
	}
}

// TestFirePanicsOrExpiresAgain checks that a wheel survives a fire that
// panics, and refuses an Expire from inside fire, losing no timer either way.
func TestFirePanicsOrExpiresAgain(t *testing.T) {
	ms := time.Millisecond
	w := timer.New(ms, base)
	for tok := range events.Token(4) {
		w.Add(5*ms, tok) // one slot
	}
	w.Add(6*ms, 4)
	w.Add(7*ms, 5)
	var got []events.Token
	func() {
		defer func() { recover() }()
		w.Expire(at(6*ms), func(tok events.Token) {
			got = append(got, tok)
			if n := w.Expire(at(time.Hour), nil); n != 0 {
				t.Errorf("an Expire from inside fire fired %d", n)
			}
			if len(got) == 2 {
				panic("fire fails")
			}
		})
	}()
	if len(got) != 2 || w.Len() != 4 {
		t.Fatalf("before the panic: fired %v, Len %d, want 2 fired and 4 pending", got, w.Len())
	}
	var r recorder
	if n := w.Expire(at(7*ms), r.fire); n != 4 {
		t.Fatalf("after the panic: fired %d, want 4", n)
	}
	all := append(r.take(), got...)
	slices.Sort(all)
	if !slices.Equal(all, []events.Token{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("fired %v in all, want each of 0..5 once", all)
	}
	if w.Len() != 0 {
		t.Fatalf("Len = %d, want 0", w.Len())
	}
}

// TestZeroWheel checks that a Wheel made without New works, at one
// millisecond's resolution, instead of dividing by its zero resolution.
func TestZeroWheel(t *testing.T) {
	t.Run("Expire first", func(t *testing.T) {
		var w timer.Wheel
		if n := w.Expire(base, nil); n != 0 || w.Next() != -1 {
			t.Fatalf("Expire %d, Next %v on an empty zero wheel", n, w.Next())
		}
		w.Add(5*time.Millisecond, 9)
		if got := w.Next(); got != 5*time.Millisecond {
			t.Fatalf("Next = %v, want 5ms", got)
		}
		var fired []events.Token
		if n := w.Expire(base.Add(5*time.Millisecond), func(tok events.Token) { fired = append(fired, tok) }); n != 1 || len(fired) != 1 || fired[0] != 9 {
			t.Fatalf("Expire fired %d: %v", n, fired)
		}
	})
	t.Run("Add first", func(t *testing.T) {
		var w timer.Wheel
		id := w.Add(time.Hour, 1)
		if w.Len() != 1 || !w.Cancel(id) || w.Len() != 0 {
			t.Fatal("a timer added to a zero wheel is not pending")
		}
	})
}
