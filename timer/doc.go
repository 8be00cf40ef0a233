// Package timer is a timer facility for an event loop over mio: a
// hierarchical timing wheel that the loop owns, consults for its Poll
// timeout, and advances after each Poll.
//
//	w := timer.New(time.Millisecond, time.Now())
//	idle := w.Add(30*time.Second, conn)
//	for {
//		poll.Poll(events, w.Next())
//		w.Expire(time.Now(), closeIdle)
//		// on traffic: w.Reset(idle, 30*time.Second)
//	}
//
// # Design
//
// Time is counted in ticks of one resolution since the time given to New. The
// wheel has 11 levels of 64 slots each; a slot of level k is 64^k ticks wide,
// so level 0 covers the next 64 ticks one tick per slot, level 1 the next
// 4096 ticks 64 at a time, and so on: 11 levels of 6 bits cover every tick a
// 64-bit counter can hold, so any duration works without an overflow list. A
// timer goes to the level of the highest 6-bit digit in which its deadline
// tick differs from the current tick, in the slot that digit names. When the
// current tick reaches the start of an occupied slot of a level above 0, the
// slot's timers move down ("cascade") to the levels their remaining time
// selects; at level 0 they fire.
//
// Why O(1): a slot is a doubly linked list threaded through one slice of
// entries by index, so Add links at a slot's head, and Cancel and Reset unlink
// through the entry's own links, each in constant time. Each level keeps a
// 64-bit bitmap of its occupied slots, so Next and Expire find the next slot
// with work by a bit scan, not by walking empty slots: an Expire after hours
// asleep costs the slots that hold timers, not the ticks that passed. A timer
// cascades at most once per level it starts above, so expiry is O(1)
// amortised per timer too. Each slot also keeps its earliest deadline, which
// is all Next needs: the first occupied slot of the lowest occupied level
// holds the earliest timer, because a level's slots are ordered and every
// slot of a level starts after all of the level below.
//
// No allocation per timer: entries live in one slice that grows only when
// more timers are pending than ever before; a fired or cancelled entry goes
// on a free list and its next Add reuses it. An ID names an entry and the
// generation it had when the timer was added; every reuse bumps the
// generation, so a stale ID (fired, cancelled, or of an entry since reused)
// is recognised and refused rather than acting on someone else's timer.
//
// Exact deadlines: each entry keeps its deadline to the nanosecond as well as
// its tick, and Expire fires a timer exactly when the time it is given reaches
// the deadline: never earlier, and never at a later Expire than the first one
// that passes it (but for a timer that fire itself adds, which waits for the
// next). The resolution only sets how Next rounds: up, so that a Poll that
// sleeps that long wakes at or after the deadline.
//
// Why loop-local: an event loop already runs on one goroutine and wakes from
// Poll anyway; a wheel it owns needs no lock, no goroutine and no channel, and
// its callbacks run on the loop, where the connection state they touch lives.
// time.AfterFunc, by contrast, runs each callback on a goroutine of its own,
// which must then hand the work back to the loop. A Wheel is therefore not
// safe for concurrent use; one wheel per loop is the intended shape.
package timer
