//go:build linux

package mio_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gomio/mio"
)

// A 200 µs timeout returns after at least 200 µs and, where the kernel has
// epoll_pwait2, well under a millisecond (the median of many waits, so that
// one preempted wait does not decide).
func TestMicrosecondTimeout(t *testing.T) {
	p := newPoll(t)
	ev := mio.NewEvents(4)
	const d = 200 * time.Microsecond
	var took []time.Duration
	for range 50 {
		start := time.Now()
		if err := p.Poll(ev, d); err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		if el < d {
			t.Fatalf("Poll(%v) returned after %v", d, el)
		}
		took = append(took, el)
	}
	slices.Sort(took)
	median := took[len(took)/2]
	t.Logf("median %v, max %v", median, took[len(took)-1])
	if !mio.HasMicrosecondTimeouts() {
		t.Skipf("no epoll_pwait2 here: timeouts round up to milliseconds (median %v)", median)
	}
	if median >= 900*time.Microsecond {
		t.Fatalf("median %v for a %v timeout: microseconds are not honoured", median, d)
	}
}
