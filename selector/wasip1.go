//go:build wasip1

package selector

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gomio/mio/events"
)

// Selector is a poll_oneoff set: the backend of wasip1 (WASI Preview 1).
// poll_oneoff keeps no state in the host, so the set lives here and each
// Wait hands the host a subscription per armed readiness (WASI subscribes
// to reading and writing separately) and a clock for the timeout.
//
// poll_oneoff is level-triggered; the selector emulates mio's edges as the
// poll(2) backend does: once an event has reported a readiness, it is not
// asked for again until the descriptor is re-armed, by Reregister or by
// Rearm after an operation on it returned EAGAIN (the sockets of mio/net
// call Rearm themselves). A descriptor that hung up or failed is reported
// once and then left out until it is re-armed; one found closed (EBADF) is
// forgotten.
//
// An event's Raw bits say what the host answered: 1<<1 an fd_read
// subscription, 1<<2 an fd_write one, 1<<3 the hangup flag, and bits 16 to
// 31 the WASI errno of a subscription that failed (of the read's and the
// write's, one that is neither ENOTSUP nor ENOSYS if there is one). ENOTSUP
// and ENOSYS, with which a host says it cannot poll a descriptor that way,
// are reported as the readiness asked for (a spurious event, which mio
// allows), not as an error.
//
// # Goroutines
//
// Go runs a wasip1 program on one thread, and a call into the host stops
// every goroutine until it returns. The Go runtime has its own poller, over
// the descriptors of os and net (a net.FileConn, a non-blocking os.File),
// and it polls them only when no goroutine is runnable; WASI has no
// descriptor that another goroutine could write to end a sleep, and the
// runtime's subscriptions cannot be joined to the selector's. So a blocking
// Wait takes turns: it sleeps in the host over its own subscriptions for at
// most 10 ms, then parks for 250 µs on a timer, during which ready
// goroutines run, due timers fire and the runtime's poller waits in the
// host over its descriptors (an idle scheduler does so until the timer is
// due), and then it looks again, seeing at once a Wake, a registration or a
// Close made meanwhile. A Wait checks first without sleeping, and parks
// before it sleeps, so a ready goroutine never waits for a slice.
//
// The latency this costs: a readiness of the selector's descriptors that
// comes while the Wait parks is reported when the park ends, at most
// 250 µs later; a goroutine that becomes ready while the Wait sleeps in
// the host (its timer fires, its os or net I/O completes) runs at the next
// park, at most 10 ms later. Either also waits for the goroutines that run
// before it: wasm has no preemption, so one that computes for long delays
// everything else, the Wait included.
//
// # What hosts do
//
// How well poll_oneoff waits depends on the host. A host that polls its
// sockets (wasmtime) reports real readiness. wazero (up to v1.12 at least)
// does not: it answers every fd_read subscription of a non-blocking
// descriptor at once, as ready, and every fd_write subscription with
// ENOTSUP, and then sleeps for the clock's whole timeout all the same (a
// Wait's first look, with a zero timeout, is what returns them at once).
// Under wazero every armed descriptor is thus reported at every Wait, and
// an event loop spins (correct, since each readiness is checked by the read or
// write that follows it, but busy) while it has registrations.
//
// The registrations, Rearm and the Waker are shared with the poll(2)
// backend (rearm_set.go). The Waker is a flag here: a Wake is made while the
// Wait parks or before it starts, never while it sleeps, and the Wait sees
// it at its next look and returns without sleeping. Fd returns -1: there is
// no host object to embed in another poller.
type Selector struct {
	ref fdRef

	mu    sync.Mutex
	regs  map[int]*registration // this selector's registrations by descriptor
	waker wakerSlot             // the Waker's token, while it is open

	wakeup atomic.Bool // the Waker asked for an event not yet reported

	// The wait's subscriptions, the host's answers, the registration of
	// each subscription's pair (userdata/2) and what was found for it;
	// only the waiting goroutine uses them.
	subs []subscription
	out  []event
	of   []*registration
	hits []answers
	gone []*registration // found closed, to forget once s.mu is released
}

// The turns of a blocking Wait (see Selector): it sleeps in the host over
// its subscriptions for at most hostSlice, then parks for parkSlice.
// parkSlice is a real park on a timer, not runtime.Gosched: Gosched puts
// the waiting goroutine on the global run queue, which the scheduler serves
// before it polls the network, so that goroutines blocked in os or net I/O
// never ran while a Wait blocked. The park must also outlast the
// scheduler's way from the park to its poll (a microsecond is too short:
// the timer is due by then, and the Wait runs again at once).
const (
	hostSlice = 10 * time.Millisecond
	parkSlice = 250 * time.Microsecond
)

// New creates a selector. It needs nothing from the host.
func New() (*Selector, error) {
	return &Selector{regs: make(map[int]*registration)}, nil
}

// Fd returns -1: poll_oneoff has no host object to embed in another poller.
func (s *Selector) Fd() int { return -1 }

// interestBits maps an Interest to the subscriptions it asks for. WASI has
// nothing for Priority, AIO or LIO.
func interestBits(i events.Interest) (uint32, error) {
	if !i.Valid() {
		return 0, ErrInvalidInterest
	}
	if i.IsPriority() || i.IsAIO() || i.IsLIO() {
		return 0, fmt.Errorf("%w: %v with poll_oneoff: %w", ErrInvalidInterest, i, errors.ErrUnsupported)
	}
	var bits uint32
	if i.IsReadable() {
		bits |= rawFdRead
	}
	if i.IsWritable() {
		bits |= rawFdWrite
	}
	return bits, nil
}

// Wait waits for up to len(dst) events for up to timeout (negative: without
// limit), taking turns between sleeps in the host of at most 10 ms and
// parks of 250 µs that let other goroutines and the Go runtime's poller run
// (see Selector). Each reported readiness is disarmed until a re-arm. A
// pending Wake is reported at once, never after a sleep; Close ends the
// wait with ErrClosed.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	if !s.acquire() {
		return 0, ErrClosed
	}
	defer s.release()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	sleep := time.Duration(0) // the first look only checks
	for {
		n, err := s.poll(dst, sleep)
		switch {
		case s.ref.isClosed():
			return 0, ErrClosed
		case n > 0 || err != nil || timeout == 0:
			return n, err
		}
		sleep = hostSlice
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return 0, nil
			}
			time.Sleep(min(left, parkSlice))
			sleep = min(max(time.Until(deadline), 0), hostSlice) // 0: a last look
		} else {
			time.Sleep(parkSlice)
		}
		if s.ref.isClosed() {
			return 0, ErrClosed
		}
	}
}

// clockUserdata marks the timeout's subscription; the others carry the
// index of their registration in s.of, twice, plus one for writing.
const clockUserdata = ^uint64(0)

// poll makes one poll_oneoff over the armed set, sleeping up to sleep when
// nothing is ready (not at all when a Wake is pending), and reports what it
// found into dst.
func (s *Selector) poll(dst []events.Event, sleep time.Duration) (int, error) {
	if s.wakeup.Load() {
		sleep = 0
	}
	s.collect(sleep)
	n := 0
	if len(s.subs) > 1 || sleep > 0 {
		var got uint32
		errno := syscall.Errno(pollOneoff(unsafe.Pointer(&s.subs[0]), unsafe.Pointer(&s.out[0]),
			uint32(len(s.subs)), unsafe.Pointer(&got)))
		switch errno {
		case 0:
			n = s.report(dst, s.out[:min(int(got), len(s.out))])
		case syscall.EINTR:
		default:
			return 0, os.NewSyscallError("poll_oneoff", errno)
		}
		s.forgetGone()
	}
	if n < len(dst) && s.takeWakeup() {
		s.mu.Lock()
		w := s.waker
		s.mu.Unlock()
		if w.live {
			dst[n] = events.MakeEvent(w.token, events.FlagReadable, 0)
			n++
		}
	}
	return n, nil
}

// takeWakeup consumes a pending Wake.
func (s *Selector) takeWakeup() bool { return s.wakeup.Load() && s.wakeup.Swap(false) }

// collect builds the subscriptions: the clock first, then one per armed
// readiness of each registration.
func (s *Selector) collect(sleep time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs = append(s.subs[:0], subscription{
		userdata:  clockUserdata,
		eventtype: eventClock,
		fdOrClock: clockMonotonic,
		timeout:   uint64(sleep),
		precision: uint64(time.Microsecond),
	})
	s.of = s.of[:0]
	for _, r := range s.regs {
		if r.armed == 0 {
			continue
		}
		k := uint64(len(s.of))
		s.of = append(s.of, r)
		if r.armed&rawFdRead != 0 {
			s.subs = append(s.subs, subscription{userdata: 2 * k, eventtype: eventFdRead, fdOrClock: uint32(r.fd)})
		}
		if r.armed&rawFdWrite != 0 {
			s.subs = append(s.subs, subscription{userdata: 2*k + 1, eventtype: eventFdWrite, fdOrClock: uint32(r.fd)})
		}
	}
	if cap(s.out) < len(s.subs) {
		s.out = make([]event, len(s.subs), cap(s.subs))
	}
	s.out = s.out[:len(s.subs)]
	if cap(s.hits) < len(s.of) {
		s.hits = make([]answers, len(s.of), cap(s.of))
	}
	s.hits = s.hits[:len(s.of)]
	clear(s.hits)
}

// answers gathers what the host answered for the subscriptions of one
// registration: the raw bits of the event it makes, and whether one of them
// found the descriptor closed.
type answers struct {
	raw    uint32
	closed bool
}

// add records one answer. Of two errnos the raw bits keep one, preferring
// one that says the descriptor failed over one that says the host cannot
// poll it that way (OR-ed, two errnos would make a third).
func (a *answers) add(e *event) {
	if syscall.Errno(e.errno) == syscall.EBADF {
		a.closed = true // closed without Deregister
		return
	}
	raw := uint32(rawFdRead)
	if e.userdata&1 != 0 {
		raw = rawFdWrite
	}
	if e.flags&eventHangup != 0 {
		raw |= rawHangup
	}
	a.raw |= raw
	if old := syscall.Errno(a.raw >> rawErrnoShift); e.errno != 0 && (old == 0 || cannotPoll(old)) {
		a.raw = a.raw&(1<<rawErrnoShift-1) | uint32(e.errno)<<rawErrnoShift
	}
}

// report turns the host's answers into events in dst, one per descriptor,
// disarming what it reports, and returns how many. A registration one of
// whose subscriptions found its descriptor closed reports nothing, whatever
// the other answered, and is queued to be forgotten.
func (s *Selector) report(dst []events.Event, out []event) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range out {
		e := &out[i]
		if e.userdata == clockUserdata || e.userdata/2 >= uint64(len(s.of)) {
			continue
		}
		s.hits[e.userdata/2].add(e)
	}
	n := 0
	for k, a := range s.hits {
		r := s.of[k]
		switch {
		case a.closed:
			s.gone = append(s.gone, r)
			continue
		case a.raw == 0:
			continue
		case n == len(dst) || s.regs[r.fd] != r:
			continue // no room (it stays armed), or deregistered meanwhile
		}
		if a.raw&rawHangup != 0 || wasiFlags(a.raw)&events.FlagError != 0 {
			r.armed = 0
		} else {
			r.armed &^= a.raw
		}
		dst[n] = events.MakeEvent(r.token, wasiFlags(a.raw), a.raw)
		n++
	}
	return n
}

// Close closes the selector. A Wait in progress sees it when it next looks,
// at the latest after its current sleep. Close is idempotent.
func (s *Selector) Close() error {
	if !s.acquire() {
		return nil
	}
	s.ref.closeWaking(s.signal)
	s.release()
	return nil
}

func (s *Selector) destroy() { s.forgetAll() }

// fileOf identifies the file behind fd, as far as the host tells
// (fd_filestat_get; wazero gives sockets no device or inode).
func fileOf(fd int) (dev, ino uint64, err error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return 0, 0, err
	}
	return st.Dev, st.Ino, nil
}

// changed does nothing: no registration can change while a Wait sleeps in
// the host (no goroutine runs then), and the Wait collects the set afresh
// at each look.
func (s *Selector) changed() {}

// signal does nothing, for the same reason: the Waker is a flag, which the
// Wait sees at its next look, before it would sleep.
func (s *Selector) signal() {}
