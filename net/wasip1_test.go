//go:build wasip1

package net_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// net on wasip1, over the listeners the test runner (internal/wasirun)
// pre-opens: one whose every connection is an echo peer on the host's side,
// which shuts its writing down after the echo once ours is shut, and one to
// which nobody connects. WASI Preview 1 can neither listen nor connect, so a
// test cannot make a connection of its own.

// preopened adopts the listener named by the environment variable once per
// process (a descriptor can be adopted once) and keeps it open for every
// test; the test is skipped, saying why, without the runner.
func preopened(t *testing.T, env string) *mnet.TCPListener {
	t.Helper()
	listenersOnce.Do(func() {
		listeners = make(map[string]*mnet.TCPListener)
		for _, name := range []string{"MIO_WASI_ECHO_FD", "MIO_WASI_IDLE_FD"} {
			fd, err := strconv.Atoi(os.Getenv(name))
			if err != nil {
				continue
			}
			if l, err := mnet.TCPListenerFromFd(fd); err == nil {
				listeners[name] = l
			}
		}
	})
	l := listeners[env]
	if l == nil {
		t.Skipf("no pre-opened listener in %s: run under internal/wasirun (make test-wasip1)", env)
	}
	return l
}

var (
	listenersOnce sync.Once
	listeners     map[string]*mnet.TCPListener
)

// loop is a Poll with its ring, for the tests' waits.
type loop struct {
	t  *testing.T
	p  *mio.Poll
	ev *mio.Events
}

func newLoop(t *testing.T) *loop {
	t.Helper()
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &loop{t: t, p: p, ev: mio.NewEvents(16)}
}

// until polls until try, called with each event of token tok, reports done;
// it fails the test after 10 s.
func (l *loop) until(tok mio.Token, try func(mio.Event) bool) {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if time.Now().After(deadline) {
			l.t.Fatalf("token %d: not done within 10s", tok)
		}
		if err := l.p.Poll(l.ev, 100*time.Millisecond); err != nil {
			l.t.Fatal(err)
		}
		done := false
		for e := range l.ev.Drain() {
			if done = e.Token() == tok && try(e); done {
				break
			}
		}
		if done {
			l.ev.Clear()
			return
		}
	}
}

// accept takes a connection from the echo listener, waiting for it with l;
// the test closes it when it ends.
func (l *loop) accept() *mnet.TCPStream {
	l.t.Helper()
	ln := preopened(l.t, "MIO_WASI_ECHO_FD")
	if err := l.p.Registry().Register(ln, 1, mio.Readable); err != nil {
		l.t.Fatal(err)
	}
	defer l.p.Registry().Deregister(ln)
	var s *mnet.TCPStream
	l.until(1, func(mio.Event) bool {
		c, peer, err := ln.Accept()
		if errors.Is(err, mio.ErrWouldBlock) {
			return false
		}
		if err != nil {
			l.t.Fatalf("Accept: %v", err)
		}
		if peer != (netip.AddrPort{}) {
			l.t.Fatalf("Accept: peer %v; WASI Preview 1 tells none", peer)
		}
		s = c
		return true
	})
	l.t.Cleanup(func() { s.Close() })
	return s
}

// readN reads n bytes from s, registered with token tok, with read, until
// each would-block.
func (l *loop) readN(s *mnet.TCPStream, tok mio.Token, n int, read func([]byte) (int, error)) []byte {
	l.t.Helper()
	var got []byte
	buf := make([]byte, 64<<10)
	l.until(tok, func(e mio.Event) bool {
		for len(got) < n {
			k, err := read(buf[:min(len(buf), n-len(got))])
			if errors.Is(err, mio.ErrWouldBlock) {
				return false
			}
			if err != nil {
				l.t.Fatalf("read after %d bytes: %v", len(got), err)
			}
			got = append(got, buf[:k]...)
		}
		return true
	})
	return got
}

// A connection accepted from a pre-opened listener carries bytes both ways
// through a Poll: what is written comes back from the echo peer, and after
// ShutdownWrite the peer's end of the stream reads as io.EOF.
func TestWasiAcceptEchoShutdown(t *testing.T) {
	l := newLoop(t)
	s := l.accept()
	if err := l.p.Registry().Register(s, 2, mio.Readable|mio.Writable); err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("mio on wasip1 "), 5000) // 70 kB: several reads
	sent := 0
	l.until(2, func(e mio.Event) bool {
		for sent < len(msg) {
			n, err := s.Write(msg[sent:])
			if errors.Is(err, mio.ErrWouldBlock) {
				return false
			}
			if err != nil {
				t.Fatalf("Write after %d bytes: %v", sent, err)
			}
			sent += n
		}
		return true
	})
	if got := l.readN(s, 2, len(msg), s.Read); !bytes.Equal(got, msg) {
		t.Fatalf("echo: %d bytes, not the %d written", len(got), len(msg))
	}
	if err := s.Shutdown(mnet.ShutdownWrite); err != nil {
		t.Fatal(err)
	}
	l.until(2, func(mio.Event) bool {
		n, err := s.Read(make([]byte, 16))
		switch {
		case errors.Is(err, mio.ErrWouldBlock):
			return false
		case err != io.EOF || n != 0:
			t.Fatalf("Read after the peer shut down: %d, %v; want 0, io.EOF", n, err)
		}
		return true
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
}

// Peek returns what the next Read returns; WriteBuffers sends the buffers
// in order and ReadBuffers fills them in order, also when the bytes waiting
// fill a buffer exactly and the next would block (a vectored read of the
// host loses them: wazero's does).
func TestWasiPeekAndBuffers(t *testing.T) {
	l := newLoop(t)
	s := l.accept()
	if err := l.p.Registry().Register(s, 3, mio.Readable); err != nil {
		t.Fatal(err)
	}
	n, err := s.WriteBuffers([][]byte{[]byte("ab"), nil, []byte("cd")})
	if n != 4 || err != nil {
		t.Fatalf("WriteBuffers: %d, %v; want 4, nil", n, err)
	}
	var peeked []byte
	l.until(3, func(mio.Event) bool {
		p := make([]byte, 8)
		k, err := s.Peek(p)
		if errors.Is(err, mio.ErrWouldBlock) || err == nil && k < 4 {
			return false // not all of the echo is there yet
		}
		if err != nil {
			t.Fatalf("Peek: %v", err)
		}
		peeked = p[:k]
		return true
	})
	if string(peeked) != "abcd" {
		t.Fatalf("Peek: %q", peeked)
	}
	a, b := make([]byte, 4), make([]byte, 4)
	n, err = s.ReadBuffers([][]byte{a, b})
	if n != 4 || err != nil || string(a) != "abcd" {
		t.Fatalf("ReadBuffers after Peek: %d, %v, %q; want 4, nil, abcd", n, err, a[:max(n, 0)])
	}
	if n, err := s.ReadBuffers([][]byte{b}); !errors.Is(err, mio.ErrWouldBlock) || n != 0 {
		t.Fatalf("ReadBuffers with nothing left: %d, %v; want ErrWouldBlock", n, err)
	}
	if n, err := s.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil): %d, %v; want 0, nil", n, err)
	}
}

// Accept on a listener nobody connects to would block.
func TestWasiAcceptWouldBlock(t *testing.T) {
	ln := preopened(t, "MIO_WASI_IDLE_FD")
	_, _, err := ln.Accept()
	if !errors.Is(err, mio.ErrWouldBlock) || !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("Accept with nothing pending: %v, want ErrWouldBlock (EAGAIN)", err)
	}
}

// Close ends the registration, so the next socket given the same descriptor
// number registers (a host without file identities cannot tell them apart).
func TestWasiCloseDeregisters(t *testing.T) {
	l := newLoop(t)
	s := l.accept()
	fd := s.Fd()
	if err := l.p.Registry().Register(s, 4, mio.Readable); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Accepted through another Poll, so that no wait of l's finds the
	// closed descriptor first (that too drops its registration).
	again := newLoop(t).accept()
	if again.Fd() != fd {
		t.Logf("the host gave descriptor %d after %d: the reuse is not exercised", again.Fd(), fd)
	}
	if err := l.p.Registry().Register(again, 5, mio.Readable); err != nil {
		t.Fatalf("Register of the next connection (fd %d, the closed one's %d): %v", again.Fd(), fd, err)
	}
}

// What WASI Preview 1 cannot do is an error matching errors.ErrUnsupported,
// never a panic.
func TestWasiUnsupported(t *testing.T) {
	l := newLoop(t)
	s := l.accept()
	addr := netip.MustParseAddrPort("127.0.0.1:1")
	for name, err := range map[string]error{
		"ListenTCP":          second(mnet.ListenTCP(addr)),
		"ListenTCPReusePort": second(mnet.ListenTCPReusePort(addr)),
		"ConnectTCP":         second(mnet.ConnectTCP(addr)),
		"ConnectTCPFrom":     second(mnet.ConnectTCPFrom(netip.AddrPort{}, addr)),
		"BindUDP":            second(mnet.BindUDP(addr)),
		"UDPSocketFromFd":    second(mnet.UDPSocketFromFd(s.Fd())),
		"TCPListenerFromStd": second(mnet.TCPListenerFromStd(nil)),
		"TCPStreamFromStd":   second(mnet.TCPStreamFromStd(nil)),
		"LocalAddr":          second(s.LocalAddr()),
		"PeerAddr":           second(s.PeerAddr()),
		"SetNoDelay":         s.SetNoDelay(true),
		"TTL":                second(s.TTL()),
		"NewRelay":           second(mnet.NewRelay(s, s)),
		"Priority interest":  l.p.Registry().Register(s, 6, mio.Priority),
	} {
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("%s: %v, want an error matching errors.ErrUnsupported", name, err)
		}
	}
	if err := s.TakeError(); err != nil {
		t.Errorf("TakeError: %v, want nil", err)
	}
}

func second[T any](_ T, err error) error { return err }

// The FromFd constructors refuse what is not a socket, and leave it as it
// was; Release gives the descriptor back.
func TestWasiFromFdMisuse(t *testing.T) {
	for _, fd := range []int{-1, 1 << 20} {
		if _, err := mnet.TCPListenerFromFd(fd); !errors.Is(err, syscall.EBADF) {
			t.Errorf("TCPListenerFromFd(%d): %v, want EBADF", fd, err)
		}
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := mnet.TCPStreamFromFd(int(f.Fd())); !errors.Is(err, syscall.ENOTSOCK) {
		t.Errorf("TCPStreamFromFd of a file: %v, want ENOTSOCK", err)
	}
	if _, err := f.WriteString("still mine"); err != nil {
		t.Errorf("the file after TCPStreamFromFd refused it: %v", err)
	}

	l := newLoop(t)
	s := l.accept()
	fd, err := s.Release()
	if err != nil || fd < 0 {
		t.Fatalf("Release: %d, %v", fd, err)
	}
	if _, err := s.Release(); !errors.Is(err, mio.ErrClosed) {
		t.Errorf("second Release: %v, want ErrClosed", err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, mio.ErrClosed) {
		t.Errorf("Write after Release: %v, want ErrClosed", err)
	}
	back, err := mnet.TCPStreamFromFd(fd)
	if err != nil {
		t.Fatalf("TCPStreamFromFd of the released descriptor: %v", err)
	}
	defer back.Close()
	if n, err := back.Write([]byte("x")); n != 1 || err != nil {
		t.Fatalf("Write on the adopted descriptor: %d, %v", n, err)
	}
}

// A Read and an Accept that would block, and a Write, allocate nothing.
func TestWasiWouldBlockAllocatesNothing(t *testing.T) {
	l := newLoop(t)
	s := l.accept()
	idle := preopened(t, "MIO_WASI_IDLE_FD")
	buf := make([]byte, 64)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := s.Read(buf); !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("Read with nothing sent: %v, want ErrWouldBlock", err)
		}
		if _, _, err := idle.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("Accept with nothing pending: %v, want ErrWouldBlock", err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per would-block Read and Accept", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		if n, err := s.Write(buf[:1]); n != 1 || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per Write", n)
	}
}
