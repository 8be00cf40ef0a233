package net_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/windows"
)

var pipeSeq atomic.Int64

// pipeName is a name no other test (or run) uses.
func pipeName() string {
	return fmt.Sprintf(`\\.\pipe\mio-test-%d-%d`, windows.GetCurrentProcessId(), pipeSeq.Add(1))
}

// openClient opens the client end of name for overlapped I/O, as a client
// process would, and adopts it.
func openClient(t testing.TB, name string) *mnet.NamedPipe {
	t.Helper()
	u, err := windows.UTF16PtrFromString(name)
	must(t, err)
	h, err := windows.CreateFile(u, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	must(t, err)
	c, err := mnet.NamedPipeFromHandle(uintptr(h))
	if err != nil {
		windows.CloseHandle(h)
		t.Fatal(err)
	}
	return closer(t, c)
}

// Tokens of the pipe tests.
const (
	serverTok mio.Token = 1
	clientTok mio.Token = 2
)

// connectedPipes registers a server end and a client end with p and
// connects them as mio's tests do: Connect would block, the connection is a
// Writable event, then Connect and TakeError say nil. The caller closes the
// server end.
func connectedPipes(t *testing.T, p *mio.Poll) (server, client *mnet.NamedPipe, name string) {
	t.Helper()
	name = pipeName()
	server = must2(mnet.NewNamedPipe(name))(t)
	must(t, p.Registry().Register(server, serverTok, mio.Readable|mio.Writable))
	if err := server.Connect(); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("Connect with no client: %v, want ErrWouldBlock", err)
	}
	client = openClient(t, name)
	waitFor(t, p, serverTok, writable)
	must(t, server.Connect())
	must(t, server.TakeError())
	// Registered once the server's event is in: waitFor drops other events.
	must(t, p.Registry().Register(client, clientTok, mio.Readable|mio.Writable))
	waitFor(t, p, clientTok, writable)
	return server, client, name
}

// exchange writes msg into w and reads it back from r through the loop.
func exchange(t *testing.T, p *mio.Poll, w, r *mnet.NamedPipe, rtok mio.Token, msg string) {
	t.Helper()
	n, err := w.Write([]byte(msg))
	if err != nil || n != len(msg) {
		t.Fatalf("Write: %d, %v", n, err)
	}
	var got []byte
	buf := make([]byte, 64)
	for len(got) < len(msg) {
		waitFor(t, p, rtok, readable)
		b, eof := readAll(t, r, buf)
		if eof {
			t.Fatalf("EOF after %q", got)
		}
		got = append(got, b...)
	}
	if string(got) != msg {
		t.Fatalf("read %q, want %q", got, msg)
	}
}

func TestNamedPipeConnectAndBothDirections(t *testing.T) {
	p := newPoll(t)
	server, client, _ := connectedPipes(t, p)
	closer(t, server)
	exchange(t, p, server, client, clientTok, "ping")
	exchange(t, p, client, server, serverTok, "pong")
	if err := server.Connect(); err != nil {
		t.Fatalf("Connect when connected: %v", err)
	}
}

// Both ends send 16 MiB at once through one loop that writes until
// ErrWouldBlock, reads until ErrWouldBlock, and waits for events between.
func TestNamedPipeLargeTransfer(t *testing.T) {
	p := newPoll(t)
	server, client, _ := connectedPipes(t, p)
	closer(t, server)
	const size = 16 << 20
	pattern := func(seed byte) []byte {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7) ^ seed
		}
		return b
	}
	type side struct {
		pipe     *mnet.NamedPipe
		out, in  []byte
		sent     int
		received []byte
	}
	sides := map[mio.Token]*side{
		serverTok: {pipe: server, out: pattern(1)},
		clientTok: {pipe: client, out: pattern(2)},
	}
	sides[serverTok].in, sides[clientTok].in = sides[clientTok].out, sides[serverTok].out
	buf := make([]byte, 100<<10)
	ev := mio.NewEvents(16)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done := true
		for _, s := range sides {
			for s.sent < size {
				n, err := s.pipe.Write(s.out[s.sent:])
				if errors.Is(err, mio.ErrWouldBlock) {
					break
				}
				must(t, err)
				s.sent += n
			}
			got, eof := readAll(t, s.pipe, buf)
			if eof {
				t.Fatal("EOF in the middle of the transfer")
			}
			s.received = append(s.received, got...)
			done = done && s.sent == size && len(s.received) == size
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stalled: server sent %d received %d, client sent %d received %d", sides[serverTok].sent,
				len(sides[serverTok].received), sides[clientTok].sent, len(sides[clientTok].received))
		}
		must(t, p.Poll(ev, time.Second))
		ev.Clear()
	}
	for tok, s := range sides {
		if !bytes.Equal(s.received, s.in) {
			t.Fatalf("token %d received other bytes than were sent", tok)
		}
	}
}

// The client closes: the server reads EOF and its writes fail; after
// Disconnect the same server end connects the next client.
func TestNamedPipeClientClosesDisconnectReconnect(t *testing.T) {
	p := newPoll(t)
	server, client, name := connectedPipes(t, p)
	closer(t, server)
	exchange(t, p, client, server, serverTok, "first")
	must(t, p.Registry().Deregister(client))
	must(t, client.Close())

	waitFor(t, p, serverTok, readable)
	if got, eof := readAll(t, server, make([]byte, 16)); !eof || len(got) != 0 {
		t.Fatalf("read %q after the client closed, want EOF", got)
	}
	var werr error
	for werr == nil {
		if _, werr = server.Write([]byte("into the void")); errors.Is(werr, mio.ErrWouldBlock) {
			werr = nil
			waitFor(t, p, serverTok, writable)
		}
	}
	if !errors.Is(werr, windows.ERROR_NO_DATA) && !errors.Is(werr, windows.ERROR_BROKEN_PIPE) {
		t.Fatalf("write to a closed client: %v, want ERROR_NO_DATA or ERROR_BROKEN_PIPE", werr)
	}

	must(t, server.Disconnect())
	if err := server.Connect(); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("Connect after Disconnect: %v, want ErrWouldBlock", err)
	}
	client2 := openClient(t, name)
	waitFor(t, p, serverTok, writable)
	must(t, server.Connect())
	must(t, server.TakeError())
	must(t, p.Registry().Register(client2, 3, mio.Readable|mio.Writable))
	exchange(t, p, server, client2, 3, "second")
	exchange(t, p, client2, server, serverTok, "again")
}

// Close with a read and a write in flight: the kernel may still write to
// their OVERLAPPEDs and buffers, so the pipe (which holds them) must stay
// alive, however often the collector runs, until the Poll has dequeued the
// completions; then nothing holds it.
func TestNamedPipeCloseWithIOInFlight(t *testing.T) {
	p := newPoll(t)
	// The server is not closed in a cleanup, which would keep it reachable.
	server, client, _ := connectedPipes(t, p)
	// The client reads nothing: fill the pipe until a write stays in
	// flight (no Writable event within a while). The server's read is in
	// flight since the connection.
	chunk := make([]byte, 64<<10)
	ev := mio.NewEvents(16)
	inFlight := false
	for range 64 {
		if _, err := server.Write(chunk); !errors.Is(err, mio.ErrWouldBlock) {
			must(t, err)
			continue
		}
		must(t, p.Poll(ev, 100*time.Millisecond))
		inFlight = true
		for e := range ev.Drain() {
			inFlight = inFlight && !(e.Token() == serverTok && e.IsWritable())
		}
		if inFlight {
			break
		}
	}
	t.Logf("a write in flight at Close: %v", inFlight)
	finalized := make(chan struct{})
	// A cleanup, not a finalizer: the pipe is in a cycle with its operations.
	runtime.AddCleanup(server, func(c chan struct{}) { close(c) }, finalized)
	must(t, server.Close())
	server = nil
	for range 3 {
		runtime.GC()
		garbage := make([][]byte, 256)
		for i := range garbage {
			garbage[i] = make([]byte, 64<<10) // reuse whatever was freed
		}
		runtime.KeepAlive(garbage)
	}
	select {
	case <-finalized:
		t.Fatal("the pipe was collected while its operations were in flight")
	default:
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		must(t, p.Poll(ev, 10*time.Millisecond))
		for e := range ev.Drain() {
			if e.Token() == serverTok {
				t.Fatalf("event %v for a closed pipe", e)
			}
		}
		runtime.GC()
		select {
		case <-finalized:
			// The client still works, and sees the server gone.
			var got []byte
			for {
				more, eof := readAll(t, client, make([]byte, 128<<10))
				if got = append(got, more...); eof {
					break
				}
				waitFor(t, p, clientTok, readable)
			}
			t.Logf("client read %d bytes, then EOF", len(got))
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the completions of the closed pipe were never drained")
		}
	}
}

func TestNamedPipeMisuse(t *testing.T) {
	p := newPoll(t)
	name := pipeName()
	server := closer(t, must2(mnet.NewNamedPipe(name))(t))
	notRegistered(t, "before Register", server)
	if second, err := mnet.NewNamedPipe(name); err == nil {
		second.Close()
		if !underWine() { // Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE
			t.Fatal("a second first instance of the same name was created")
		}
	}
	if _, err := mnet.NewNamedPipe(""); err == nil {
		t.Fatal("a pipe without a name was created")
	}
	must(t, p.Registry().Register(server, serverTok, mio.Readable))
	if err := p.Registry().Register(server, serverTok, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("second Register: %v, want ErrAlreadyRegistered", err)
	}
	other := newPoll(t)
	must(t, p.Registry().Deregister(server))
	notRegistered(t, "after Deregister", server)
	if err := other.Registry().Register(server, serverTok, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("Register with a second Poll: %v, want ErrAlreadyRegistered", err)
	}
	if err := p.Registry().Deregister(server); !errors.Is(err, mio.ErrNotRegistered) {
		t.Fatalf("second Deregister: %v, want ErrNotRegistered", err)
	}
	must(t, server.Close())
	if err := server.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
	if _, err := server.Write([]byte("x")); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}

	// A handle that is not a pipe is refused and left open.
	ev, err := windows.CreateEvent(nil, 0, 0, nil)
	must(t, err)
	defer windows.CloseHandle(ev)
	if _, err := mnet.NamedPipeFromHandle(uintptr(ev)); err == nil {
		t.Fatal("an event handle was adopted as a pipe")
	}
	must(t, windows.SetEvent(ev)) // still open
}

// notRegistered checks that Connect, Read and Write of a pipe without a
// registration agree: they would block, as mio's do, with an error that
// also says why no event will come (mio.ErrNotRegistered).
func notRegistered(t *testing.T, when string, pipe *mnet.NamedPipe) {
	t.Helper()
	calls := []struct {
		name string
		call func() error
	}{
		{"Connect", pipe.Connect},
		{"Read", func() error { _, err := pipe.Read(make([]byte, 1)); return err }},
		{"Write", func() error { _, err := pipe.Write([]byte("x")); return err }},
	}
	for _, c := range calls {
		err := c.call()
		if !errors.Is(err, mio.ErrWouldBlock) || !errors.Is(err, mio.ErrNotRegistered) {
			t.Errorf("%s %s: %v, want an error matching mio.ErrWouldBlock and mio.ErrNotRegistered", c.name, when, err)
		}
	}
}

// underWine reports whether the tests run under Wine, whose ntdll exports
// wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

var _ io.ReadWriteCloser = (*mnet.NamedPipe)(nil)
