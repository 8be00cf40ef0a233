//go:build unix

package selector_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// The contract of package selector, as a loop of its own uses it: Register,
// Wait, Reregister, Deregister, the Waker and Close, over a socket pair.

func socketPair(t *testing.T) (a, b int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		unix.SetNonblock(fd, true)
		unix.CloseOnExec(fd)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

func TestRegisterWaitDeregister(t *testing.T) {
	s := newSelector(t)
	a, b := socketPair(t)
	if got := wait(t, s, 0); len(got) != 0 {
		t.Fatalf("events with nothing registered: %v", got)
	}
	if err := s.Register(a, 7, events.Readable); err != nil {
		t.Fatal(err)
	}
	if err := s.Register(a, 8, events.Readable); !errors.Is(err, selector.ErrAlreadyRegistered) {
		t.Fatalf("second Register: %v, want ErrAlreadyRegistered", err)
	}
	other := newSelector(t)
	if err := other.Register(a, 9, events.Readable); !errors.Is(err, selector.ErrAlreadyRegistered) {
		t.Fatalf("Register with a second selector: %v, want ErrAlreadyRegistered", err)
	}
	unix.Write(b, []byte("x"))
	got := wait(t, s, -1)
	if len(got) != 1 || got[0].Token() != 7 || !got[0].IsReadable() {
		t.Fatalf("after a write: %v, want one readable event for token 7", got)
	}
	if err := s.Reregister(a, 70, events.Readable|events.Writable); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, s, time.Second); len(got) != 1 || got[0].Token() != 70 || !got[0].IsWritable() {
		t.Fatalf("after Reregister: %v, want a writable event for token 70", got)
	}
	if err := s.Deregister(a); err != nil {
		t.Fatal(err)
	}
	unix.Write(b, []byte("y"))
	if got := wait(t, s, 10*time.Millisecond); len(got) != 0 {
		t.Fatalf("events after Deregister: %v", got)
	}
	if err := s.Deregister(a); !errors.Is(err, selector.ErrNotRegistered) {
		t.Fatalf("second Deregister: %v, want ErrNotRegistered", err)
	}
	if err := s.Reregister(a, 1, events.Readable); !errors.Is(err, selector.ErrNotRegistered) {
		t.Fatalf("Reregister after Deregister: %v, want ErrNotRegistered", err)
	}
}

func TestWakerWakesWait(t *testing.T) {
	s := newSelector(t)
	w, err := s.NewWaker(3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	woken := make(chan []events.Event)
	go func() {
		dst := make([]events.Event, 4)
		n, _ := s.Wait(dst, -1)
		woken <- dst[:n]
	}()
	if err := w.Wake(); err != nil {
		t.Fatal(err)
	}
	if got := <-woken; len(got) != 1 || got[0].Token() != 3 {
		t.Fatalf("Wait woken by the Waker: %v, want token 3", got)
	}
}

// Close wakes a Wait blocked without a timeout, which returns ErrClosed, and
// every call after it returns ErrClosed too.
func TestCloseEndsWait(t *testing.T) {
	s, err := selector.New()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := socketPair(t)
	if err := s.Register(a, 1, events.Writable); err != nil {
		t.Fatal(err)
	}
	wait(t, s, 0) // the socket's first edge
	ended := make(chan error)
	started := make(chan struct{})
	go func() {
		dst := make([]events.Event, 4)
		close(started)
		_, err := s.Wait(dst, -1)
		ended <- err
	}()
	<-started
	s.Close()
	select {
	case err := <-ended:
		if !errors.Is(err, selector.ErrClosed) {
			t.Fatalf("a Wait ended by Close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the Wait")
	}
	if _, err := s.Wait(make([]events.Event, 1), 0); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Wait after Close: %v", err)
	}
	if err := s.Register(a, 2, events.Readable); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Register after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
