package selector_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/windows"
)

// waitEvents waits until Wait reports at least one event, or fails.
func waitEvents(t *testing.T, s *selector.Selector) []events.Event {
	t.Helper()
	dst := make([]events.Event, 8)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, err := s.Wait(dst, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return dst[:n]
		}
	}
	t.Fatal("no event")
	return nil
}

// A post reaches the Overlapped's function once per Post, in Wait, and
// what it returns is the event.
func TestOverlappedPost(t *testing.T) {
	s := newSelector(t)
	calls := 0
	o := selector.NewOverlapped(func(bytes uint32, err error) (events.Token, events.Interest, bool) {
		calls++
		if bytes != 0 || err != nil {
			t.Errorf("a post completed with %d bytes, error %v", bytes, err)
		}
		return 42, events.Readable | events.Writable, calls == 1 // the second reports nothing
	})
	for range 2 {
		if err := s.Post(o); err != nil {
			t.Fatal(err)
		}
	}
	evs := waitEvents(t, s)
	if len(evs) != 1 || evs[0].Token() != 42 || !evs[0].IsReadable() || !evs[0].IsWritable() {
		t.Fatalf("events %v, want one readable and writable for token 42", evs)
	}
	if n, err := s.Wait(make([]events.Event, 8), 0); err != nil || n != 0 || calls != 2 {
		t.Fatalf("after both posts: %d events, %v, %d calls; want 0, nil, 2", n, err, calls)
	}
}

// An operation on an associated handle completes into Wait with its bytes
// and error: a read from a pipe whose writer has gone fails with
// ERROR_BROKEN_PIPE, one with data reports its bytes.
func TestOverlappedReadCompletes(t *testing.T) {
	s := newSelector(t)
	name, _ := windows.UTF16PtrFromString(`\\.\pipe\mio-selector-test`)
	server, err := windows.CreateNamedPipe(name, windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED,
		windows.PIPE_TYPE_BYTE, 1, 4096, 4096, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(server)
	client, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Associate(uintptr(server)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	type result struct {
		n   uint32
		err error
	}
	var got []result
	o := selector.NewOverlapped(func(n uint32, err error) (events.Token, events.Interest, bool) {
		got = append(got, result{n, err})
		return 7, events.Readable, true
	})
	read := func() {
		ov, err := s.Start(uintptr(server), o)
		if err != nil {
			t.Fatal(err)
		}
		if err := windows.ReadFile(server, buf, nil, ov); err != nil && err != windows.ERROR_IO_PENDING {
			s.Abort(o)
			t.Fatalf("ReadFile: %v", err)
		}
	}
	read()
	if _, err := windows.Write(client, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if evs := waitEvents(t, s); evs[0].Token() != 7 || len(got) != 1 || got[0] != (result{5, nil}) || string(buf[:5]) != "hello" {
		t.Fatalf("events %v, completions %v, buffer %q", evs, got, buf[:5])
	}
	read()
	windows.CloseHandle(client)
	waitEvents(t, s)
	if len(got) != 2 || !errors.Is(got[1].err, windows.ERROR_BROKEN_PIPE) {
		t.Fatalf("completions %v, want the second to fail with ERROR_BROKEN_PIPE", got)
	}
}

func TestSocketMisuse(t *testing.T) {
	s := newSelector(t)
	ev, err := windows.CreateEvent(nil, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(ev)
	if err := s.Register(uintptr(ev), 1, events.Readable); err == nil {
		t.Fatal("an event handle was registered as a socket")
	}
	if err := s.Deregister(uintptr(ev)); !errors.Is(err, selector.ErrNotRegistered) {
		t.Fatalf("Deregister of an unregistered handle: %v", err)
	}
	if err := s.Rearm(uintptr(ev)); err != nil {
		t.Fatalf("Rearm of an unregistered handle: %v, want nil", err)
	}
	s.Close()
	if err := s.Post(selector.NewOverlapped(nil)); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Post after Close: %v, want ErrClosed", err)
	}
	if err := s.Rearm(uintptr(ev)); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Rearm after Close: %v, want ErrClosed", err)
	}
}
