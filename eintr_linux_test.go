//go:build linux

package mio_test

import (
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// A storm of handled signals aimed at the polling thread interrupts its
// waits over and over; none of it may surface as an error, a lost event or a
// short timeout. The waits must really have been interrupted: Poll counts
// its retries after EINTR for the test.
func TestSignalStormSurfacesNothing(t *testing.T) {
	retried := mio.CountInterrupted(t)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGUSR1)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
		}
	}()

	p := newPoll(t)
	w, err := mio.NewWaker(p.Registry(), 77)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	tid := make(chan int)
	stop := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		target := <-tid
		for {
			select {
			case <-stop:
				return
			default:
			}
			if unix.Tgkill(unix.Getpid(), target, unix.SIGUSR1) == nil {
				sent.Add(1)
			}
		}
	})

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid <- unix.Gettid()
	ev := mio.NewEvents(8)
	blocked := mio.AboutToBlock(t, p)
	for round := range 3 {
		start := time.Now()
		if err := p.Poll(ev, 100*time.Millisecond); err != nil {
			t.Fatalf("round %d: timed poll: %v", round, err)
		}
		if el := time.Since(start); el < 100*time.Millisecond {
			t.Fatalf("round %d: 100ms timeout returned after %v", round, el)
		}
		if !ev.IsEmpty() {
			t.Fatalf("round %d: events with nothing ready", round)
		}
		select {
		case <-blocked: // the timed poll's
		default:
		}
		go func() { <-blocked; w.Wake() }()
		if err := p.Poll(ev, -1); err != nil {
			t.Fatalf("round %d: blocking poll: %v", round, err)
		}
		if e, ok := ev.Pop(); !ok || e.Token() != 77 {
			t.Fatalf("round %d: got %v %v, want the waker event", round, e, ok)
		}
		for range 1000 {
			if err := p.Poll(ev, 0); err != nil {
				t.Fatalf("round %d: zero-timeout poll: %v", round, err)
			}
		}
	}
	close(stop)
	wg.Wait()
	if sent.Load() < 100 {
		t.Fatalf("only %d signals were sent: the storm did not happen", sent.Load())
	}
	// (Over the poll(2) backend, Fd -1, the selector's Wait absorbs EINTR
	// itself: Poll has no retry to count, the rest still holds.)
	if retried.Load() == 0 && p.Fd() >= 0 {
		t.Fatalf("%d signals sent and no wait was interrupted: the storm missed the polls", sent.Load())
	}
	t.Logf("%d signals sent, %d waits interrupted and resumed", sent.Load(), retried.Load())
}
