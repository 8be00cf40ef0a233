//go:build wasip1

package selector

import (
	"slices"
	"syscall"
	"testing"

	"github.com/gomio/mio/events"
)

// hostAnswer is what a fabricated host answers to a subscription: its errno
// and whether it sets the hangup flag.
type hostAnswer struct {
	errno  syscall.Errno
	hangup bool
}

// hostAnswers answers every subscription that s.collect made, from
// by[fd][eventtype], in the order given by reverse (hosts answer in any
// order), as poll_oneoff would write them.
func hostAnswers(s *Selector, by map[int]map[uint8]hostAnswer, reverse bool) []event {
	var out []event
	for _, sub := range s.subs {
		if sub.userdata == clockUserdata {
			continue
		}
		a := by[int(sub.fdOrClock)][sub.eventtype]
		e := event{userdata: sub.userdata, errno: uint16(a.errno), eventtype: sub.eventtype}
		if a.hangup {
			e.flags = eventHangup
		}
		out = append(out, e)
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

// How report combines the answers to a registration's two subscriptions,
// whichever comes first: a descriptor found closed by one reports nothing
// and is forgotten; of two errnos the event keeps one that says the
// descriptor failed, and two that only say the host cannot poll it that way
// make no error. The descriptors are numbers only: report never uses them.
func TestWasiReportCombinesAnswers(t *testing.T) {
	const (
		closed = 1000 + iota
		failed
		failedWrite
		cannot
		hungUp
	)
	by := map[int]map[uint8]hostAnswer{
		closed:      {eventFdRead: {errno: syscall.EBADF}, eventFdWrite: {errno: syscall.ENOTSUP}},
		failed:      {eventFdRead: {errno: syscall.ENETUNREACH}, eventFdWrite: {errno: syscall.ENOTSUP}},
		failedWrite: {eventFdRead: {}, eventFdWrite: {errno: syscall.ECONNRESET}},
		cannot:      {eventFdRead: {errno: syscall.ENOSYS}, eventFdWrite: {errno: syscall.ENOTSUP}},
		hungUp:      {eventFdRead: {hangup: true}, eventFdWrite: {errno: syscall.ENOTSUP}},
	}
	for _, reverse := range []bool{false, true} {
		s := &Selector{regs: make(map[int]*registration)}
		for fd := range by {
			bits := uint32(rawFdRead | rawFdWrite)
			s.regs[fd] = &registration{sel: s, fd: fd, token: events.Token(fd), interest: bits, armed: bits}
		}
		s.collect(0)
		dst := make([]events.Event, 8)
		n := s.report(dst, hostAnswers(s, by, reverse))
		got := make(map[events.Token]events.Event)
		for _, e := range dst[:n] {
			if _, dup := got[e.Token()]; dup {
				t.Fatalf("reverse=%v: two events for token %d", reverse, e.Token())
			}
			got[e.Token()] = e
		}
		if e, ok := got[closed]; ok {
			t.Errorf("reverse=%v: an event for a descriptor found closed: %v", reverse, e)
		}
		if len(s.gone) != 1 || s.gone[0].fd != closed {
			t.Errorf("reverse=%v: queued to forget %d registrations, want the closed one", reverse, len(s.gone))
		}
		for _, c := range []struct {
			fd    int
			errno syscall.Errno
			error bool
		}{
			{failed, syscall.ENETUNREACH, true},
			{failedWrite, syscall.ECONNRESET, true},
			{cannot, 0, false}, // either errno, not their OR
			{hungUp, syscall.ENOTSUP, false},
		} {
			e, ok := got[events.Token(c.fd)]
			if !ok {
				t.Errorf("reverse=%v: no event for fd %d", reverse, c.fd)
				continue
			}
			errno := syscall.Errno(e.Raw() >> rawErrnoShift)
			if e.IsError() != c.error || c.errno != 0 && errno != c.errno || c.errno == 0 && !cannotPoll(errno) {
				t.Errorf("reverse=%v: fd %d: error %v, errno %d (%v); want error %v, errno %d",
					reverse, c.fd, e.IsError(), uint16(errno), errno, c.error, uint16(c.errno))
			}
			if !c.error && (!e.IsReadable() || !e.IsWritable()) {
				t.Errorf("reverse=%v: fd %d: %v, want readable and writable", reverse, c.fd, e)
			}
		}
		if e := got[hungUp]; !e.IsReadClosed() || !e.IsWriteClosed() {
			t.Errorf("reverse=%v: hung up: %v, want read- and write-closed", reverse, e)
		}
		s.forgetGone()
		if _, ok := s.regs[closed]; ok {
			t.Errorf("reverse=%v: the closed descriptor is still registered after the wait", reverse)
		}
		if len(s.regs) != len(by)-1 {
			t.Errorf("reverse=%v: %d registrations left, want %d", reverse, len(s.regs), len(by)-1)
		}
	}
}
