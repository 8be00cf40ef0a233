//go:build linux && !mio_poll

package mio

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The answer is the kernel's, asked once: it does not change with use.
func TestHasMicrosecondTimeoutsNeverChanges(t *testing.T) {
	first := HasMicrosecondTimeouts()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ev := NewEvents(4)
	for range 3 {
		if err := p.Poll(ev, 50*time.Microsecond); err != nil {
			t.Fatal(err)
		}
		if got := HasMicrosecondTimeouts(); got != first {
			t.Fatalf("HasMicrosecondTimeouts said %v, then %v after a timed Poll", first, got)
		}
	}
	t.Logf("epoll_pwait2: %v", first)
}

// A failing wait names the syscall that failed: epoll_pwait for a blocking
// wait, epoll_pwait2 for a timed one where the kernel has it.
func TestWaitErrorsNameTheirSyscall(t *testing.T) {
	free := make([]Event, 4)
	never := func() bool { return false }
	timed := "epoll_pwait"
	if HasMicrosecondTimeouts() {
		timed = "epoll_pwait2"
	}
	for _, c := range []struct {
		timeout time.Duration
		call    string
	}{{-1, "epoll_pwait"}, {time.Millisecond, timed}} {
		_, err := blockOn(-1, free, c.timeout, time.Now().Add(c.timeout), never)
		if !errors.Is(err, syscall.EBADF) || !strings.HasPrefix(err.Error(), c.call+": ") {
			t.Errorf("timeout %v on a bad descriptor: %v, want %s: EBADF", c.timeout, err, c.call)
		}
	}
}
