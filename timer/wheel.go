package timer

import (
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/gomio/mio/events"
)

const (
	slotBits = 6
	slots    = 1 << slotBits // per level, one bit each in a uint64 bitmap
	slotMask = slots - 1
	// levels of 6 bits each cover all 64 bits of a tick counter.
	levels = (64 + slotBits - 1) / slotBits

	// firing is the list Expire moves a due slot to before it calls fire,
	// so that fire may cancel or reset the timers still waiting in it.
	firing = levels * slots
	lists  = firing + 1
)

// ID names a pending timer, for Reset and Cancel. The zero ID names no timer.
// An ID goes stale when its timer fires or is cancelled; a stale ID is
// refused (Reset and Cancel return false) even after its entry has been
// reused for another timer.
type ID struct {
	ref uint32 // entry index + 1; 0 in the zero ID
	gen uint32 // the entry's generation when the timer was added
}

// entry is one timer, or a free place for one. Links are entry index + 1,
// so that 0 is the end of a list and a zero entry is unlinked.
type entry struct {
	deadline int64 // nanoseconds since the wheel's origin
	tick     uint64
	round    uint64 // the Expire round in which it was last added or reset
	token    events.Token
	next     uint32
	prev     uint32
	gen      uint32
	list     uint16 // the list it is on, + 1; 0 while free
}

// Wheel is a hierarchical timing wheel (see the package documentation).
// It is owned by one event loop and is not safe for concurrent use. Make one
// with New; the zero Wheel is one of resolution one millisecond whose clock
// starts at its first Add (at time.Now()) or Expire (at its now).
type Wheel struct {
	origin time.Time
	res    int64 // nanoseconds per tick
	now    int64 // the wheel's current time, nanoseconds since origin
	cur    uint64
	round  uint64
	count  int
	// expiring is set while Expire runs, so that an Expire from inside fire
	// is refused instead of reusing the firing list under its caller.
	expiring bool
	free     uint32 // head of the free list, through entry.next

	occupied [levels]uint64
	head     [lists]uint32
	entries  []entry

	// soonest[list] is the earliest deadline in a slot, or, once that
	// timer has left, its deadline still: a bound below the slot's timers
	// and at or after the slot's start. It makes Next O(1), and lets an
	// Expire within the same tick skip a slot whose timers are due later in
	// the tick. A level-0 slot's bit in inexact says it is such a bound.
	soonest [levels * slots]int64
	inexact uint64
}

// New returns an empty wheel whose current time is now, counting in ticks
// of resolution; a resolution <= 0 means one millisecond. A coarser
// resolution makes Next round up further and saves cascades; it never makes
// a timer fire early or late. A loop passes time.Now() here and to Expire:
// its monotonic reading keeps the wheel immune to steps of the wall clock.
func New(resolution time.Duration, now time.Time) *Wheel {
	w := &Wheel{}
	w.start(resolution, now)
	return w
}

// start sets the resolution and the origin of a wheel made by New, or of
// the zero Wheel at its first use.
func (w *Wheel) start(resolution time.Duration, now time.Time) {
	if resolution <= 0 {
		resolution = time.Millisecond
	}
	w.origin, w.res = now, int64(resolution)
}

// Now returns the wheel's current time: the now of New or of the last
// Expire that moved it, from which Add and Reset count.
func (w *Wheel) Now() time.Time { return w.origin.Add(time.Duration(w.now)) }

// Len returns the number of pending timers.
func (w *Wheel) Len() int { return w.count }

// Grow makes room for n more pending timers than there are now, so that a
// loop that knows its limit (a maximum of connections, say) can take the
// warm-up's allocation at start: the next n Adds allocate nothing.
func (w *Wheel) Grow(n int) {
	if free := len(w.entries) - w.count; n > free {
		w.entries = slices.Grow(w.entries, n-free)
	}
}

// Add starts a timer that fires t once, after the given duration from the
// wheel's current time (the now of New or of the last Expire). A duration
// <= 0 makes the timer due at once: the next Expire fires it. The returned ID
// stays valid until the timer fires or is cancelled.
//
// Because durations count from the last Expire, a loop calls Expire as soon
// as Poll returns, before it handles the events: a timer added while handling
// them then counts from when the loop woke, not from before it slept.
func (w *Wheel) Add(after time.Duration, t events.Token) ID {
	if w.res == 0 {
		w.start(0, time.Now())
	}
	if w.free == 0 {
		w.entries = append(w.entries, entry{})
		w.free = uint32(len(w.entries))
	}
	ref := w.free
	e := &w.entries[ref-1]
	w.free = e.next
	e.next = 0
	if e.gen++; e.gen == 0 {
		e.gen = 1 // the zero generation would let a zero-gen ID match
	}
	e.token = t
	w.count++
	w.schedule(ref, after)
	return ID{ref: ref, gen: e.gen}
}

// Reset moves a pending timer to fire after the given duration from the
// wheel's current time instead, keeping its ID. It returns false, and does
// nothing, when id does not name a pending timer.
func (w *Wheel) Reset(id ID, after time.Duration) bool {
	if !w.pending(id) {
		return false
	}
	w.unlink(id.ref)
	w.schedule(id.ref, after)
	return true
}

// Cancel stops a pending timer; it will not fire and its ID goes stale. It
// returns false, and does nothing, when id does not name a pending timer.
func (w *Wheel) Cancel(id ID) bool {
	if !w.pending(id) {
		return false
	}
	w.unlink(id.ref)
	w.release(id.ref)
	return true
}

// Next returns how long a loop may sleep before it must call Expire: the
// time from the wheel's current time to the earliest pending deadline,
// rounded up to a multiple of the resolution, 0 when a timer is already due,
// and -1 when no timer is pending, which Poll reads as "wait for an event".
//
// Each slot remembers its earliest deadline, so Next costs a bit scan per
// level. Once the earliest timer of a slot has been cancelled or reset, the
// slot remembers that timer's deadline still, sooner than any left in it. In
// level 0 (the current tick's block of 64 ticks) Next then walks the slot
// once to learn its earliest deadline again. Above it, where one slot may
// hold the timeouts of thousands of connections, Next does not walk: it
// returns the remembered deadline, the loop wakes early there, Expire moves
// the slot's timers down a level and fires nothing, and Next answers
// exactly again. Next is never later than the earliest deadline.
func (w *Wheel) Next() time.Duration {
	level, tick, ok := w.nextSlot()
	if !ok {
		return -1
	}
	list := level*slots + int(tick>>(slotBits*level)&slotMask)
	at := w.soonest[list]
	if level == 0 {
		at = w.soonestIn(list)
	}
	d := at - w.now
	if d <= 0 {
		return 0
	}
	q := d / w.res
	if d%w.res != 0 {
		q++
	}
	if q > math.MaxInt64/w.res {
		return math.MaxInt64
	}
	return time.Duration(q * w.res)
}

// Expire advances the wheel's current time to now and calls fire with the
// token of every timer whose deadline is at or before now, in deadline order
// from one tick to the next (in no particular order within a tick). It
// returns how many fired. A fired timer's ID goes stale before fire is
// called.
//
// fire may Add, Reset and Cancel timers; those it adds or resets do not fire
// in the same Expire even when due at once (so a timer that re-adds itself
// cannot trap the loop), but Next then returns 0. A now before the wheel's
// current time is ignored: nothing fires and the time stays. A nil fire
// drops due timers without calling anything. An Expire from inside fire does
// nothing and returns 0. If fire panics, the timers due with it that have
// not fired yet stay pending, and the next Expire fires them.
func (w *Wheel) Expire(now time.Time, fire func(events.Token)) int {
	if w.res == 0 {
		w.start(0, now)
	}
	off := int64(now.Sub(w.origin))
	if off < w.now || w.expiring {
		return 0
	}
	w.expiring = true
	defer w.settle()
	w.now = off
	w.round++
	end := uint64(off / w.res)
	fired := 0
	for {
		level, tick, ok := w.nextSlot()
		if !ok || tick > end {
			break
		}
		w.cur = tick
		list := level*slots + int(tick>>(slotBits*level)&slotMask)
		if level > 0 {
			w.cascade(list)
			continue
		}
		if tick == end && off < w.soonest[list] {
			break // its timers are due later in this tick
		}
		fired += w.fire(list, fire)
		if tick == end {
			break
		}
	}
	// No slot starts in (w.cur, end], so every timer keeps its level and slot
	// relative to end: see nextSlot.
	w.cur = end
	return fired
}

// fire fires the due timers of a level-0 slot. The slot moves to the firing
// list first, so that fire's own Cancel and Reset of timers still in it work
// on a list of their own, and timers fire adds land in the wheel, not here.
func (w *Wheel) fire(list int, fire func(events.Token)) int {
	w.move(list, firing)
	n := 0
	for w.head[firing] != 0 {
		ref := w.head[firing]
		e := &w.entries[ref-1]
		w.unlink(ref)
		if e.deadline > w.now || e.round == w.round {
			w.link(ref) // later in this tick, or added by this Expire's fire
			continue
		}
		t := e.token
		w.release(ref)
		n++
		if fire != nil {
			fire(t)
		}
	}
	return n
}

// settle ends an Expire, also one that fire's panic cut short: timers still
// on the firing list go back to their slot, which the next Expire fires.
func (w *Wheel) settle() {
	for ref := w.head[firing]; ref != 0; ref = w.head[firing] {
		w.unlink(ref)
		w.link(ref)
	}
	w.expiring = false
}

// cascade moves the timers of a slot above level 0, whose start the current
// tick has reached, to the levels their remaining time selects: all lower.
func (w *Wheel) cascade(list int) {
	ref := w.head[list]
	w.head[list] = 0
	w.occupied[list/slots] &^= 1 << (list % slots)
	for ref != 0 {
		next := w.entries[ref-1].next
		w.link(ref)
		ref = next
	}
}

// move hands the whole of one list to another, empty one.
func (w *Wheel) move(from, to int) {
	w.head[to] = w.head[from]
	w.head[from] = 0
	w.occupied[from/slots] &^= 1 << (from % slots)
	for ref := w.head[to]; ref != 0; ref = w.entries[ref-1].next {
		w.entries[ref-1].list = uint16(to + 1)
	}
}

// nextSlot finds the occupied slot that starts soonest and returns its level
// and its first tick. A level-0 slot holds the timers of one tick of the
// current 64; a slot of level k > 0 holds ticks that share all digits above k
// with the current tick and have a larger digit k, so it starts after every
// level-0 slot and after the current tick: the lowest occupied level wins.
func (w *Wheel) nextSlot() (level int, tick uint64, ok bool) {
	for k := range levels {
		shift := uint(slotBits * k)
		digit := w.cur >> shift & slotMask
		m := w.occupied[k] >> digit
		if m == 0 {
			continue
		}
		s := digit + uint64(bits.TrailingZeros64(m))
		// Go shifts past the width give 0, so the top level's mask is all ones.
		block := uint64(1)<<(shift+slotBits) - 1
		return k, w.cur&^block | s<<shift, true
	}
	return 0, 0, false
}

// schedule sets an unlinked entry's deadline after the given duration from
// the current time and links it into the wheel.
func (w *Wheel) schedule(ref uint32, after time.Duration) {
	e := &w.entries[ref-1]
	d := w.now + int64(max(after, 0))
	if d < w.now {
		d = math.MaxInt64 // saturate rather than wrap into the past
	}
	e.deadline = d
	e.tick = uint64(d / w.res)
	e.round = w.round
	w.link(ref)
}

// link puts an entry at the head of the slot for its tick: the level of the
// highest 6-bit digit in which its tick differs from the current tick.
func (w *Wheel) link(ref uint32) {
	e := &w.entries[ref-1]
	tick := max(e.tick, w.cur)
	level := (63 - bits.LeadingZeros64(tick^w.cur|slotMask)) / slotBits
	s := int(tick >> (slotBits * level) & slotMask)
	list := level*slots + s
	e.list = uint16(list + 1)
	e.prev = 0
	e.next = w.head[list]
	if e.next != 0 {
		w.entries[e.next-1].prev = ref
	}
	w.head[list] = ref
	w.occupied[level] |= 1 << s
	if e.next == 0 {
		w.soonest[list] = e.deadline
		if level == 0 {
			w.inexact &^= 1 << s
		}
	} else {
		w.soonest[list] = min(w.soonest[list], e.deadline)
	}
}

// soonestIn returns the earliest deadline in an occupied level-0 slot,
// walking the slot only when its earliest timer has left since the last walk.
func (w *Wheel) soonestIn(s int) int64 {
	if w.inexact&(1<<s) != 0 {
		at := int64(math.MaxInt64)
		for ref := w.head[s]; ref != 0; ref = w.entries[ref-1].next {
			at = min(at, w.entries[ref-1].deadline)
		}
		w.soonest[s] = at
		w.inexact &^= 1 << s
	}
	return w.soonest[s]
}

// unlink takes a linked entry off its list, keeping the slot's bitmap bit
// true to whether the slot still holds a timer.
func (w *Wheel) unlink(ref uint32) {
	e := &w.entries[ref-1]
	list := int(e.list) - 1
	if e.prev != 0 {
		w.entries[e.prev-1].next = e.next
	} else {
		w.head[list] = e.next
	}
	if e.next != 0 {
		w.entries[e.next-1].prev = e.prev
	}
	switch {
	case list == firing:
	case w.head[list] == 0:
		w.occupied[list/slots] &^= 1 << (list % slots)
	case list < slots && e.deadline == w.soonest[list]:
		w.inexact |= 1 << list
	}
	e.next, e.prev, e.list = 0, 0, 0
}

// release puts an unlinked entry on the free list; its generation moves on
// at its next Add, which is what makes its old IDs stale.
func (w *Wheel) release(ref uint32) {
	e := &w.entries[ref-1]
	e.list = 0
	e.next = w.free
	w.free = ref
	w.count--
}

// pending reports whether id names a timer that is waiting to fire.
func (w *Wheel) pending(id ID) bool {
	if id.ref == 0 || int(id.ref) > len(w.entries) {
		return false
	}
	e := &w.entries[id.ref-1]
	return e.gen == id.gen && e.list != 0
}
