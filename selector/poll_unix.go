//go:build aix || solaris || (unix && mio_poll)

package selector

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// Selector is a poll(2) set: the backend of AIX, Solaris and illumos, and of
// every Unix built with the tag mio_poll. poll(2) keeps no state in the
// kernel, so the set lives here and each Wait hands the kernel a copy of it.
//
// poll(2) is level-triggered; the selector emulates mio's edges as Rust
// mio's poll selector does: once an event has reported a readiness, the
// selector stops asking for it until the descriptor is re-armed, by
// Reregister or by Rearm after an operation on it returned EAGAIN (the
// sockets of mio/net call Rearm themselves). A descriptor that hung up or
// failed is reported once and then left out until it is re-armed. The
// registrations, Rearm and the Waker are shared with wasip1's backend
// (rearm_set.go).
//
// A wake-up made by New (an eventfd on Linux, a pipe elsewhere) ends a Wait
// in progress: when a registration changes (so that the wait picks the
// change up), for the Waker, and for Close.
type Selector struct {
	ref  fdRef
	wake [2]int // the wake-up: read end, write end (the same eventfd on Linux)

	mu      sync.Mutex
	regs    map[int]*registration // this selector's registrations by descriptor
	waiting bool                  // a Wait is inside poll(2) with a copy of the set
	waker   wakerSlot             // the Waker's token, while it is open

	signalled atomic.Bool // the wake-up is signalled, not yet drained
	wakeup    atomic.Bool // the Waker asked for an event

	// The wait's copy of the set and each entry's registration (nil for
	// the wake-up); only the waiting goroutine uses them.
	fds  []unix.PollFd
	of   []*registration
	gone []*registration // found closed, to forget once s.mu is released
	sink [64]byte
}

// New creates a selector with its wake-up.
func New() (*Selector, error) {
	w, err := newWakeup()
	if err != nil {
		return nil, fmt.Errorf("mio: poll(2) wake-up: %w", err)
	}
	return &Selector{wake: w, regs: make(map[int]*registration)}, nil
}

// Fd returns -1: poll(2) has no kernel object to embed in another poller.
func (s *Selector) Fd() int { return -1 }

// interestBits maps an Interest to poll(2) events. AIO and LIO have no
// poll(2) event.
func interestBits(i events.Interest) (uint32, error) {
	if !i.Valid() {
		return 0, ErrInvalidInterest
	}
	if i.IsAIO() || i.IsLIO() {
		return 0, fmt.Errorf("%w: %v with poll(2): %w", ErrInvalidInterest, i, errors.ErrUnsupported)
	}
	var bits uint32
	if i.IsReadable() {
		bits |= unix.POLLIN | pollRdHup
	}
	if i.IsWritable() {
		bits |= unix.POLLOUT
	}
	if i.IsPriority() {
		bits |= unix.POLLPRI
	}
	return bits, nil
}

// PollFlags maps poll(2) revents to normalised readiness, with the rules of
// EpollFlags (POLLRDHUP where the OS has it); POLLNVAL, a descriptor closed
// while registered, is an error.
func PollFlags(revents uint32) events.Flags {
	const (
		in  = unix.POLLIN
		pri = unix.POLLPRI
		out = unix.POLLOUT
		hup = unix.POLLHUP
		er  = unix.POLLERR
		nvl = unix.POLLNVAL
	)
	if revents&nvl != 0 {
		revents |= er
	}
	var f events.Flags
	if revents&(in|pri) != 0 {
		f |= events.FlagReadable
	}
	if revents&out != 0 {
		f |= events.FlagWritable
	}
	if revents&er != 0 {
		f |= events.FlagError
	}
	if revents&hup != 0 || (pollRdHup != 0 && revents&(in|pollRdHup) == in|pollRdHup) {
		f |= events.FlagReadClosed
	}
	e := revents & (in | pri | out | er | hup)
	if e&hup != 0 || e&(out|er) == out|er || e == er {
		f |= events.FlagWriteClosed
	}
	if revents&pri != 0 {
		f |= events.FlagPriority
	}
	return f
}

// fileOf identifies the file behind fd.
func fileOf(fd int) (dev, ino uint64, err error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, 0, err
	}
	return uint64(st.Dev), uint64(st.Ino), nil
}

// changed wakes a wait in progress, which then polls the new set. The
// caller holds s.mu.
func (s *Selector) changed() {
	if s.waiting {
		s.signal()
	}
}

// wakeWord is what signal writes: an eventfd takes 8 bytes, a count that
// is non-zero in either byte order (at most one is written between two
// drains, so the count cannot overflow); a pipe takes any.
var wakeWord = []byte{1, 0, 0, 0, 0, 0, 0, 1}

// signal signals the wake-up unless it is signalled already.
func (s *Selector) signal() {
	if s.signalled.CompareAndSwap(false, true) {
		for {
			if _, err := unix.Write(s.wake[1], wakeWord); err != unix.EINTR {
				return
			}
		}
	}
}

// Wait waits for up to len(dst) events for up to timeout (negative: without
// limit; poll(2) counts in milliseconds, so a timeout is rounded up to the
// next one). Each reported readiness is disarmed until a re-arm. A signal
// or a change to the set ends the wait early, possibly with no events;
// Close ends it with ErrClosed.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	if len(dst) == 0 {
		return 0, nil
	}
	if !s.acquire() {
		return 0, ErrClosed
	}
	defer s.release()
	s.collect()
	_, err := unix.Poll(s.fds, pollMillis(timeout))
	switch {
	case err == unix.EINTR:
		err = nil
	case err != nil:
		err = os.NewSyscallError("poll", err)
	}
	n := s.report(dst, err == nil)
	s.forgetGone()
	if s.ref.isClosed() {
		return 0, ErrClosed // woken by Close
	}
	return n, err
}

// report ends the wait: it turns what poll(2) found (when found is true)
// into events in dst, disarming what it reports, and returns how many.
func (s *Selector) report(dst []events.Event, found bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting = false
	if !found {
		return 0
	}
	n := 0
	for k, p := range s.fds {
		rev := revents(p.Revents)
		if rev == 0 {
			continue
		}
		r := s.of[k]
		if r == nil {
			n += s.drain(dst[n:])
			continue
		}
		if rev&unix.POLLNVAL != 0 {
			// Closed without Deregister: forget it, as epoll and kqueue
			// forget a closed descriptor.
			s.gone = append(s.gone, r)
			continue
		}
		if n == len(dst) || s.regs[r.fd] != r {
			continue // no room (it stays armed), or deregistered meanwhile
		}
		if rev&(unix.POLLHUP|unix.POLLERR) != 0 {
			r.armed = 0
		} else {
			r.armed &^= rev
		}
		dst[n] = events.MakeEvent(r.token, PollFlags(rev), rev)
		n++
	}
	return n
}

// collect copies the armed part of the set, after the wake-up, into
// the wait's arrays, and marks the wait as in progress.
func (s *Selector) collect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fds = append(s.fds[:0], unix.PollFd{Fd: int32(s.wake[0]), Events: unix.POLLIN})
	s.of = append(s.of[:0], nil)
	for _, r := range s.regs {
		if r.armed != 0 {
			p := unix.PollFd{Fd: int32(r.fd)}
			setEvents(&p.Events, r.armed)
			s.fds = append(s.fds, p)
			s.of = append(s.of, r)
		}
	}
	s.waiting = true
}

// drain empties the wake-up and reports the Waker's event if it asked
// for one and there is room. The wake-up is read before signalled is
// cleared: a signal between the two finds it still set and writes nothing,
// and its Wake is seen by the swap below; a signal after them writes anew
// for the next wait. (Cleared first, a signal's write could be read here
// and leave signalled set over an empty wake-up, and no Wake would ever
// write again.) Registration changes cannot race it: they hold s.mu.
func (s *Selector) drain(dst []events.Event) int {
	for {
		if n, err := unix.Read(s.wake[0], s.sink[:]); n < len(s.sink) && err != unix.EINTR {
			break
		}
	}
	s.signalled.Store(false)
	if len(dst) == 0 {
		if s.wakeup.Load() {
			s.signal() // no room: the next wait reports it
		}
		return 0
	}
	if !s.waker.live || !s.wakeup.Swap(false) {
		return 0
	}
	dst[0] = events.MakeEvent(s.waker.token, events.FlagReadable, unix.POLLIN)
	return 1
}

// pollMillis converts a Wait timeout to poll(2)'s: -1 for none, else
// milliseconds rounded up so that a wait is never shorter than asked.
func pollMillis(d time.Duration) int {
	switch {
	case d < 0:
		return -1
	case d >= math.MaxInt32*time.Millisecond:
		return math.MaxInt32
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// setEvents and revents convert between the event masks kept here and
// pollfd's, whose type is int16 or uint16 depending on the OS.
func setEvents[T ~int16 | ~uint16](dst *T, bits uint32) { *dst = T(bits) }

func revents[T ~int16 | ~uint16](v T) uint32 { return uint32(uint16(v)) }

// Close closes the selector. A goroutine blocked in the wait is woken and
// then sees the selector closed; the wake-up is closed when the last user
// leaves. Close is idempotent.
func (s *Selector) Close() error {
	if !s.acquire() {
		return nil
	}
	s.ref.closeWaking(s.signal)
	s.release()
	return nil
}

func (s *Selector) destroy() {
	s.forgetAll()
	unix.Close(s.wake[0])
	if s.wake[1] != s.wake[0] {
		unix.Close(s.wake[1])
	}
}
