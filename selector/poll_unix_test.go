//go:build aix || solaris || (unix && mio_poll)

package selector_test

import (
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// waitTokens makes one wait of up to timeout and returns the tokens reported.
func waitTokens(t *testing.T, s *selector.Selector, timeout time.Duration) []events.Token {
	t.Helper()
	dst := make([]events.Event, 8)
	n, err := s.Wait(dst, timeout)
	if err != nil {
		t.Fatal(err)
	}
	var got []events.Token
	for _, e := range dst[:n] {
		got = append(got, e.Token())
	}
	return got
}

// A readiness is reported once; Rearm asks for it again, and poll(2) then
// reports what is still there (a spurious event, which mio allows) or waits
// for new data.
func TestPollReportsOnceUntilRearm(t *testing.T) {
	s := newSelector(t)
	r, w := socketPair(t)
	if err := s.Register(r, 5, events.Readable); err != nil {
		t.Fatal(err)
	}
	unix.Write(w, []byte("ab"))
	if got := waitTokens(t, s, -1); len(got) != 1 || got[0] != 5 {
		t.Fatalf("first wait: %v, want [5]", got)
	}
	if got := waitTokens(t, s, 0); len(got) != 0 {
		t.Fatalf("reported again before a re-arm: %v", got)
	}
	selector.Rearm(r)
	if got := waitTokens(t, s, 0); len(got) != 1 {
		t.Fatalf("unread data after a re-arm: %v, want one event", got)
	}
	var buf [8]byte
	unix.Read(r, buf[:])
	selector.Rearm(r)
	if got := waitTokens(t, s, 0); len(got) != 0 {
		t.Fatalf("drained and re-armed, nothing new: %v", got)
	}
	unix.Write(w, []byte("c"))
	if got := waitTokens(t, s, -1); len(got) != 1 || got[0] != 5 {
		t.Fatalf("new data after the re-arm: %v, want [5]", got)
	}
}

// A registration made from another goroutine while a wait blocks is picked
// up by that wait: the change wakes it.
func TestPollRegisterDuringWait(t *testing.T) {
	s := newSelector(t)
	r, w := socketPair(t)
	unix.Write(w, []byte("x"))
	got := make(chan []events.Token)
	go func() {
		var all []events.Token
		for len(all) == 0 {
			dst := make([]events.Event, 4)
			n, err := s.Wait(dst, -1)
			if err != nil {
				t.Error(err)
				break
			}
			for _, e := range dst[:n] {
				all = append(all, e.Token())
			}
		}
		got <- all
	}()
	if err := s.Register(r, 9, events.Readable); err != nil {
		t.Fatal(err)
	}
	if tokens := <-got; len(tokens) != 1 || tokens[0] != 9 {
		t.Fatalf("got %v, want [9]", tokens)
	}
}

func TestPollFlagsHangUp(t *testing.T) {
	e := events.MakeEvent(0, selector.PollFlags(unix.POLLHUP), unix.POLLHUP)
	if !e.IsReadClosed() || !e.IsWriteClosed() || e.IsReadable() {
		t.Fatalf("POLLHUP: %v", e)
	}
	if e := events.MakeEvent(0, selector.PollFlags(unix.POLLNVAL), unix.POLLNVAL); !e.IsError() {
		t.Fatalf("POLLNVAL is not an error: %v", e)
	}
}
