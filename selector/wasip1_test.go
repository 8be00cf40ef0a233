//go:build wasip1

package selector_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/selector"
)

// The wasip1 backend over the sockets a WASI host can give: the listeners
// the test runner (internal/wasirun) pre-opens, and the connections accepted
// from them, each an echo peer on the host's side. A WASI Preview 1 program
// can neither listen nor connect, so these are its only sockets.

// echoListener returns the pre-opened listener whose peers echo, made
// non-blocking; the test is skipped (saying why) without one.
func echoListener(t *testing.T) int {
	t.Helper()
	v := os.Getenv("MIO_WASI_ECHO_FD")
	if v == "" {
		t.Skip("no pre-opened listener: run under internal/wasirun (make test-wasip1)")
	}
	fd, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("MIO_WASI_ECHO_FD=%q: %v", v, err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	return fd
}

// acceptEcho accepts a connection from the echo listener, waiting for it
// with a selector of its own, and returns it non-blocking; the test closes
// it when it ends.
func acceptEcho(t *testing.T) int {
	t.Helper()
	fd := acceptEchoOwned(t)
	t.Cleanup(func() { syscall.Close(fd) })
	return fd
}

// acceptEchoOwned is acceptEcho for a caller that closes the descriptor.
func acceptEchoOwned(t *testing.T) int {
	t.Helper()
	lfd := echoListener(t)
	s := newSelector(t)
	if err := s.Register(lfd, 1, events.Readable); err != nil {
		t.Fatal(err)
	}
	defer s.Deregister(lfd)
	dst := make([]events.Event, 4)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		n, err := s.Wait(dst, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			continue
		}
		fd, _, err := syscall.Accept(lfd)
		if err == syscall.EAGAIN {
			selector.Rearm(lfd)
			continue
		}
		if err != nil {
			t.Fatalf("accept: %v", err)
		}
		if err := syscall.SetNonblock(fd, true); err != nil {
			syscall.Close(fd)
			t.Fatal(err)
		}
		return fd
	}
	t.Fatal("no connection to accept within 10s")
	return -1
}

// readEcho waits on s for readable events of token tok and reads fd until
// it has n bytes, re-arming at each would-block as the backend asks.
func readEcho(t *testing.T, s *selector.Selector, fd int, tok events.Token, n int) []byte {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	dst := make([]events.Event, 4)
	for deadline := time.Now().Add(10 * time.Second); len(got) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("read %q of %d bytes within 10s", got, n)
		}
		k, err := s.Wait(dst, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range dst[:k] {
			if e.Token() != tok || !e.IsReadable() {
				continue
			}
			for {
				m, err := syscall.Read(fd, buf)
				if err == syscall.EAGAIN {
					selector.Rearm(fd)
					break
				}
				if err != nil || m == 0 {
					t.Fatalf("read after %q: %d, %v", got, m, err)
				}
				got = append(got, buf[:m]...)
			}
		}
	}
	return got
}

func write(t *testing.T, fd int, p string) {
	t.Helper()
	if n, err := syscall.Write(fd, []byte(p)); n != len(p) || err != nil {
		t.Fatalf("write %q: %d, %v", p, n, err)
	}
}

// A readiness is reported by a Wait and, until a re-arm, by no Wait after
// it, even with bytes waiting; Rearm (or Reregister) asks for it again.
func TestWasiReadableOnceUntilRearm(t *testing.T) {
	fd := acceptEcho(t)
	s := newSelector(t)
	if err := s.Register(fd, 7, events.Readable); err != nil {
		t.Fatal(err)
	}
	write(t, fd, "ping")
	if got := readEcho(t, s, fd, 7, 4); string(got) != "ping" {
		t.Fatalf("echo: %q, want ping", got)
	}
	// readEcho re-armed fd at its last would-block; the next echo arrives
	// whenever the peer sends it, so wait for its report, and then none
	// until the re-arm.
	write(t, fd, "pong")
	var reported bool
	dst := make([]events.Event, 4)
	for deadline := time.Now().Add(10 * time.Second); !reported; {
		if time.Now().After(deadline) {
			t.Fatal("no readable event for the second echo within 10s")
		}
		n, err := s.Wait(dst, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range dst[:n] {
			reported = reported || e.Token() == 7 && e.IsReadable()
		}
	}
	for range 3 {
		if got := wait(t, s, 0); len(got) != 0 {
			t.Fatalf("a Wait after the report, without a re-arm: %v, want nothing", got)
		}
	}
	if err := s.Reregister(fd, 8, events.Readable); err != nil {
		t.Fatal(err)
	}
	if got := readEcho(t, s, fd, 8, 4); string(got) != "pong" {
		t.Fatalf("echo after Reregister: %q, want pong", got)
	}
}

// A writable interest is reported as writable, never as an error, also by
// a host that cannot poll for writing (wazero answers ENOTSUP); the event
// is reported once, and the write it allows goes through.
func TestWasiWritable(t *testing.T) {
	fd := acceptEcho(t)
	s := newSelector(t)
	if err := s.Register(fd, 5, events.Writable); err != nil {
		t.Fatal(err)
	}
	got := wait(t, s, 10*time.Second)
	if len(got) != 1 || got[0].Token() != 5 || !got[0].IsWritable() || got[0].IsError() {
		t.Fatalf("Wait on a writable socket: %v, want one writable event, token 5, no error", got)
	}
	if got := wait(t, s, 0); len(got) != 0 {
		t.Fatalf("a second Wait without a re-arm: %v, want nothing", got)
	}
	write(t, fd, "w")
	if err := s.Reregister(fd, 5, events.Readable); err != nil {
		t.Fatal(err)
	}
	if got := readEcho(t, s, fd, 5, 1); string(got) != "w" {
		t.Fatalf("echo: %q", got)
	}
}

// A descriptor closed while registered is dropped by the first Wait that
// finds it closed: no event for it, and it is no longer registered.
func TestWasiClosedDescriptorIsForgotten(t *testing.T) {
	fd := acceptEcho(t)
	s := newSelector(t)
	if err := s.Register(fd, 9, events.Readable|events.Writable); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Close(fd); err != nil {
		t.Fatal(err)
	}
	for _, e := range wait(t, s, 0) {
		t.Fatalf("Wait over a closed descriptor: %v, want nothing", e)
	}
	if err := s.Reregister(fd, 9, events.Readable); !errors.Is(err, selector.ErrNotRegistered) {
		t.Fatalf("Reregister of the closed descriptor: %v, want ErrNotRegistered", err)
	}
}

// A Wait without a timeout yields to the scheduler: a Wake from another
// goroutine, and from a timer's, ends it.
func TestWasiWakeFromGoroutineEndsBlockedWait(t *testing.T) {
	s := newSelector(t)
	w, err := s.NewWaker(3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := make(chan struct{})
	go func() {
		<-start
		w.Wake()
	}()
	close(start)
	if got := wait(t, s, -1); len(got) != 1 || got[0].Token() != 3 || !got[0].IsReadable() {
		t.Fatalf("Wait woken by another goroutine: %v, want one readable event, token 3", got)
	}
	time.AfterFunc(20*time.Millisecond, func() { w.Wake() })
	if got := wait(t, s, -1); len(got) != 1 || got[0].Token() != 3 {
		t.Fatalf("Wait woken by a timer's goroutine: %v, want token 3", got)
	}
}

// A blocking Wait lets the Go runtime's own poller run: a goroutine doing
// standard-library I/O (a net.FileConn over an accepted socket, blocked in
// Read while its echo travels) completes it while the Wait blocks, and its
// Wake ends the Wait well before the Wait's timeout.
func TestWasiStdIORunsDuringBlockedWait(t *testing.T) {
	f := os.NewFile(uintptr(acceptEchoOwned(t)), "echo")
	c, err := net.FileConn(f)
	f.Close() // c holds the descriptor
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := newSelector(t)
	w, err := s.NewWaker(11)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	const timeout = 5 * time.Second
	echoed := make(chan error, 1)
	go func() {
		// Several round trips, each a Read that finds nothing yet and
		// parks in the runtime's poller until the echo arrives.
		buf := make([]byte, 1)
		for _, b := range []byte("std") {
			if _, err := c.Write([]byte{b}); err != nil {
				echoed <- err
				return
			}
			if _, err := io.ReadFull(c, buf); err != nil || buf[0] != b {
				echoed <- fmt.Errorf("echo of %q: %q, %v", b, buf, err)
				return
			}
		}
		echoed <- w.Wake()
	}()
	got := wait(t, s, timeout)
	if len(got) != 1 || got[0].Token() != 11 {
		t.Fatalf("Wait(%v) while a goroutine reads a std conn: %v, want the Wake of that goroutine, token 11", timeout, got)
	}
	if err := <-echoed; err != nil {
		t.Fatal(err)
	}
}

// Wakes before a Wait coalesce into one event, reported by a Wait with a
// timeout at once; the next Wait reports none.
func TestWasiWakesCoalesce(t *testing.T) {
	s := newSelector(t)
	w, err := s.NewWaker(4)
	if err != nil {
		t.Fatal(err)
	}
	w.Wake()
	w.Wake()
	if got := wait(t, s, time.Hour); len(got) != 1 || got[0].Token() != 4 {
		t.Fatalf("Wait after two Wakes: %v, want one event, token 4", got)
	}
	if got := wait(t, s, 0); len(got) != 0 {
		t.Fatalf("Wait after the wake was reported: %v, want nothing", got)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Wake(); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Wake after Close: %v, want ErrClosed", err)
	}
}

// A registration made while a Wait blocks is picked up by that Wait.
func TestWasiRegisterDuringWait(t *testing.T) {
	fd := acceptEcho(t)
	s := newSelector(t)
	registered := make(chan error, 1)
	go func() { registered <- s.Register(fd, 6, events.Writable) }()
	got := wait(t, s, -1)
	if err := <-registered; err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Token() != 6 || !got[0].IsWritable() {
		t.Fatalf("Wait across a Register: %v, want one writable event, token 6", got)
	}
}

// Close from another goroutine ends a Wait blocked without a timeout.
func TestWasiCloseEndsWait(t *testing.T) {
	s, err := selector.New()
	if err != nil {
		t.Fatal(err)
	}
	go s.Close()
	if _, err := s.Wait(make([]events.Event, 1), -1); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Wait ended by Close: %v, want ErrClosed", err)
	}
	if err := s.Register(0, 1, events.Readable); !errors.Is(err, selector.ErrClosed) {
		t.Fatalf("Register after Close: %v, want ErrClosed", err)
	}
}

// A Wait with a timeout and nothing to report sleeps at least that long.
func TestWasiTimeoutIsNeverShort(t *testing.T) {
	s := newSelector(t)
	for _, d := range []time.Duration{time.Millisecond, 25 * time.Millisecond} {
		start := time.Now()
		if got := wait(t, s, d); len(got) != 0 {
			t.Fatalf("Wait(%v) with nothing registered: %v", d, got)
		}
		if took := time.Since(start); took < d {
			t.Fatalf("Wait(%v) returned after %v", d, took)
		}
	}
}

// Misuse gets errors: interests WASI cannot poll for, a negative or closed
// descriptor, a second registration here or in another selector, calls for
// a descriptor that is not registered.
func TestWasiMisuse(t *testing.T) {
	fd := acceptEcho(t)
	s, other := newSelector(t), newSelector(t)
	for _, i := range []events.Interest{events.Priority, events.AIO, events.LIO, 0} {
		if err := s.Register(fd, 1, i); !errors.Is(err, selector.ErrInvalidInterest) {
			t.Fatalf("Register with %v: %v, want ErrInvalidInterest", i, err)
		}
	}
	if err := s.Register(fd, 1, events.Priority); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Register with Priority: %v, want ErrUnsupported", err)
	}
	if err := s.Register(-1, 1, events.Readable); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Register(-1): %v, want EBADF", err)
	}
	if err := s.Register(1<<20, 1, events.Readable); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Register of a closed descriptor: %v, want EBADF", err)
	}
	if err := s.Reregister(fd, 1, events.Readable); !errors.Is(err, selector.ErrNotRegistered) {
		t.Fatalf("Reregister before Register: %v, want ErrNotRegistered", err)
	}
	if err := s.Register(fd, 1, events.Readable); err != nil {
		t.Fatal(err)
	}
	if err := s.Register(fd, 2, events.Readable); !errors.Is(err, selector.ErrAlreadyRegistered) {
		t.Fatalf("second Register: %v, want ErrAlreadyRegistered", err)
	}
	if err := other.Register(fd, 2, events.Readable); !errors.Is(err, selector.ErrAlreadyRegistered) {
		t.Fatalf("Register in another selector: %v, want ErrAlreadyRegistered", err)
	}
	if err := other.Deregister(fd); !errors.Is(err, selector.ErrNotRegistered) {
		t.Fatalf("Deregister from the other selector: %v, want ErrNotRegistered", err)
	}
	if err := s.Deregister(fd); err != nil {
		t.Fatal(err)
	}
	if err := other.Register(fd, 2, events.Readable); err != nil {
		t.Fatalf("Register in another selector after Deregister: %v", err)
	}
	if fd := s.Fd(); fd != -1 {
		t.Fatalf("Fd: %d, want -1", fd)
	}
}

// A Wait that asks the host, re-arms included, and a Wake allocate nothing.
func TestWasiWaitAllocatesNothing(t *testing.T) {
	fd := acceptEcho(t)
	s := newSelector(t)
	w, err := s.NewWaker(2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := s.Register(fd, 1, events.Readable|events.Writable); err != nil {
		t.Fatal(err)
	}
	dst := make([]events.Event, 4)
	round := func() {
		selector.Rearm(fd)
		w.Wake()
		if _, err := s.Wait(dst, 0); err != nil {
			t.Fatal(err)
		}
	}
	round() // the wait's arrays grow once
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Fatalf("%v allocations per Rearm, Wake and Wait", n)
	}
}
