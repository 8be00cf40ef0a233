// Package mio is a readiness poller: register sockets and other descriptors
// with a Poll, wait for them to become ready, and get the events in a
// fixed-capacity ring, without cgo and without an allocation on the hot path.
// It follows Rust's mio: edge-triggered only, tokens chosen by the user,
// spurious events allowed and missed ones a bug, and registry calls safe
// from any goroutine, also while another goroutine is inside Poll.
//
// Linux waits with epoll, darwin and the BSDs with kqueue, Windows with an
// I/O completion port and AFD polls. The epoll wait and the decoding of its
// records, and the decoding of kqueue's records, are generated assembly on
// amd64 and arm64 (portable Go elsewhere and with the purego build tag).
// Non-blocking sockets are in the subpackage net.
package mio

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gomio/mio/selector"
)

// Poll waits for readiness of the sources registered with its Registry.
// Poll itself is for one goroutine at a time; its Registry is for any number.
type Poll struct {
	sel      *selector.Selector
	guard    closeGuard // Close against a Poll in progress; per OS
	registry Registry
	hasWaker waker
	busyPoll atomic.Int64 // nanoseconds; see SetBusyPoll
	yielded  atomic.Int64 // sinceStart at the last pass through the scheduler
}

// New creates a Poll over the OS's poller: a close-on-exec epoll instance on
// Linux, a kqueue on darwin and the BSDs, an I/O completion port on
// Windows. On a target without one it returns an error matching
// errors.ErrUnsupported.
func New() (*Poll, error) {
	sel, err := selector.New()
	if err != nil {
		return nil, err
	}
	p := &Poll{sel: sel}
	if err := p.guard.init(sel); err != nil {
		sel.Close()
		return nil, err
	}
	p.registry.poll = p
	return p, nil
}

// Registry returns the registry of this Poll, safe to use from any
// goroutine, also while another goroutine is inside Poll.
func (p *Poll) Registry() *Registry {
	if p == nil {
		return nil
	}
	return &p.registry
}

// Poll appends readiness events to ev, at most ev.Cap()-ev.Len() of them; it
// never overwrites an event that ev still holds.
//
//   - timeout < 0 blocks until at least one event is ready;
//   - timeout == 0 returns at once, making one non-blocking check;
//   - timeout > 0 waits up to timeout: to the microsecond where the kernel
//     has epoll_pwait2 (Linux 5.11) and with kqueue, else rounded up to
//     the millisecond (older Linux, Windows).
//
// It does not block while ev already holds events. A wait interrupted by a
// signal (EINTR) is resumed with the time that is left and never reported.
// A nil ring or one of capacity 0 gives ErrNoCapacity, a full ring
// ErrEventsFull, a closed Poll ErrClosed; none of them blocks. If Close is
// called while a goroutine is inside Poll, that Poll returns ErrClosed.
// Before it blocks, Poll may yield to other goroutines, at most once per
// millisecond (see yieldEvery in the source for why).
func (p *Poll) Poll(ev *Events, timeout time.Duration) error {
	if p == nil || p.sel == nil {
		return ErrNilRegistry
	}
	if ev == nil {
		return ErrNoCapacity
	}
	free := ev.Free()
	if len(free) == 0 {
		return ringError(ev)
	}
	if !p.enter() {
		p.leaveClosed()
		return ErrClosed
	}
	var n int
	var err error
	if timeout == 0 || !ev.IsEmpty() {
		// On Linux checkNow inlines to the generated trampoline itself:
		// one call, one return after the kernel.
		var e, none nowFailure
		if n, e = p.checkNow(free); e != none {
			n, err = p.checkNowFailed(free, e)
		}
	} else {
		n, err = p.wait(free, timeout)
	}
	switch {
	case p.exit():
		p.leaveClosed()
		return ErrClosed
	case err != nil:
		return err
	case n == 0:
		return nil // nothing ready: the ring is as it was
	}
	return ev.Commit(n)
}

func ringError(ev *Events) error {
	if ev.Cap() == 0 {
		return ErrNoCapacity
	}
	return ErrEventsFull
}

// Close closes the Poll. It is idempotent. A goroutine blocked in Poll is
// woken and returns ErrClosed; registry calls return ErrClosed from now on.
// Sources stay open: they belong to the user.
func (p *Poll) Close() error {
	if p == nil || p.sel == nil {
		return nil
	}
	return p.close()
}

// pollNow is one zero-timeout wait, as Poll makes it; busy polling spins on
// it.
func (p *Poll) pollNow(free []Event) (int, error) {
	var none nowFailure
	n, e := p.checkNow(free)
	if e != none {
		return p.checkNowFailed(free, e)
	}
	return n, nil
}

// wait fills free with ready events, blocking for up to timeout (forever
// when negative); see Poll for the contract. Busy polling, if set, spins
// first; then the OS's block waits.
func (p *Poll) wait(free []Event, timeout time.Duration) (int, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if busy := time.Duration(p.busyPoll.Load()); busy > 0 {
		if n, err, done := p.spin(free, busy, timeout, deadline); done {
			return n, err
		}
	} else if timeout != 0 {
		p.yieldIfDue()
	}
	if h := testHooks.block.Load(); h != nil {
		(*h)(p)
	}
	return p.block(free, timeout, deadline)
}

// testHooks let the tests see what a real wait does (export_test.go sets
// them): block is called as a Poll is about to block, so that a test acts on
// a Poll that is waiting instead of guessing with a sleep; interrupted when
// a wait that a signal interrupted is retried, so that a signal test knows
// its signals landed. Both are nil outside the tests, and are looked at
// only where a wait blocks or was interrupted.
var testHooks struct {
	block       atomic.Pointer[func(*Poll)]
	interrupted atomic.Pointer[func()]
}

// interrupted reports a retried EINTR to the tests.
func interrupted() {
	if h := testHooks.interrupted.Load(); h != nil {
		(*h)()
	}
}

// yieldEvery is how long a goroutine that polls in a loop may go without
// passing through Go's scheduler before a blocking wait yields once.
//
// Why: a blocking wait is a system call, which does not count as
// scheduling. To sysmon, a loop that only ever polls looks like one
// goroutine holding its P without a reschedule; after 10 ms of that
// (forcePreemptNS) sysmon retakes the P at each of its ticks while the loop
// sits in the wait, and stays awake at its fastest tick (20 µs) to do so.
// Every wait then costs a P hand-off and wakes other threads, which compete
// with the loop for its CPU: measured on the echo example with one
// connection, 16 000 sysmon sleeps and 2 000 futex calls in 4 s instead of
// 450 and 4, and a p99 latency 15–30 % above a C epoll server's. One
// runtime.Gosched per millisecond keeps the loop looking scheduled, for a
// cost nobody can measure.
const yieldEvery = time.Millisecond

// start anchors the monotonic clock that yielded is kept on.
var start = time.Now()

func sinceStart() int64 { return int64(time.Since(start)) }

// yieldIfDue passes through the scheduler if yieldEvery has gone by since
// the last time it did.
func (p *Poll) yieldIfDue() {
	if now := sinceStart(); now-p.yielded.Load() >= int64(yieldEvery) {
		runtime.Gosched()
		p.yielded.Store(now)
	}
}

// spin busy-polls with zero-timeout waits for up to busy (and never past
// the deadline), yielding between waits so that other goroutines run. done
// is false when the wait must go on blocking.
func (p *Poll) spin(free []Event, busy, timeout time.Duration, deadline time.Time) (n int, err error, done bool) {
	end := time.Now().Add(busy)
	if timeout > 0 && deadline.Before(end) {
		end = deadline
	}
	for {
		if n, err = p.pollNow(free); err != nil || n > 0 || p.isClosed() {
			return n, err, true
		}
		if !time.Now().Before(end) {
			return 0, nil, timeout > 0 && !time.Now().Before(deadline)
		}
		runtime.Gosched()
	}
}

// SetBusyPoll makes each Poll with a non-zero timeout spin with zero-timeout
// waits for up to d before it blocks, trading CPU for wake-up latency. It
// never changes what Poll reports and never ends a timeout early; 0 turns it
// off. Safe to call from any goroutine. On Linux the zero-timeout waits are
// the raw trampoline, elsewhere kevent or GetQueuedCompletionStatusEx.
func (p *Poll) SetBusyPoll(d time.Duration) {
	p.busyPoll.Store(int64(max(d, 0)))
}
