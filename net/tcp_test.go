//go:build unix || windows

package net_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

func TestTCPAcceptThenWouldBlock(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		p := newPoll(t)
		l := closer(t, must2(mnet.ListenTCP(addr))(t))
		la, err := l.LocalAddr()
		must(t, err)
		if la.Port() == 0 || la.Addr() != addr.Addr() {
			t.Fatalf("LocalAddr %v", la)
		}
		if _, _, err := l.Accept(); !errors.Is(err, mio.ErrWouldBlock) || !errors.Is(err, errWouldBlockOS) {
			t.Fatalf("accept with nothing pending: %v", err)
		}
		must(t, p.Registry().Register(l, 0, mio.Readable))
		c := closer(t, must2(mnet.ConnectTCP(la))(t))
		_, peer := acceptOne(t, p, 0, l.Accept)
		local, err := c.LocalAddr()
		must(t, err)
		if peer != local {
			t.Fatalf("accepted peer %v, client's local address %v", peer, local)
		}
		if _, _, err := l.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("second accept: %v", err)
		}
	})
}

func TestTCPConnectWritableThenReadClosedAfterPeerCloses(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		p := newPoll(t)
		l := closer(t, must2(mnet.ListenTCP(addr))(t))
		la, _ := l.LocalAddr()
		c := closer(t, must2(mnet.ConnectTCP(la))(t))
		must(t, p.Registry().Register(c, 7, mio.Readable|mio.Writable))
		waitFor(t, p, 7, writable)
		must(t, c.TakeError())
		peer, err := c.PeerAddr()
		if err != nil || peer != la {
			t.Fatalf("PeerAddr %v, %v; want %v", peer, err, la)
		}
		must(t, p.Registry().Register(l, 1, mio.Readable))
		s, _ := acceptOne(t, p, 1, l.Accept)
		must(t, s.Close())
		e := waitFor(t, p, 7, readable)
		if !e.IsReadClosed() {
			t.Fatalf("peer closed: %v, want read-closed", e)
		}
		if n, err := c.Read(make([]byte, 8)); n != 0 || err != io.EOF {
			t.Fatalf("read after peer close: %d, %v", n, err)
		}
	})
}

// Both directions at once, 16 MiB each, through one edge-triggered loop
// that drains on every event.
func TestTCPLargeTransferWithDrainLoops(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		const size = 16 << 20
		c, s := tcpPair(t, addr)
		p := newPoll(t)
		must(t, p.Registry().Register(c, 1, mio.Readable|mio.Writable))
		must(t, p.Registry().Register(s, 2, mio.Readable|mio.Writable))
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + i>>13)
		}
		type side struct {
			conn     *mnet.TCPStream
			sent     int
			received []byte
		}
		sides := map[mio.Token]*side{1: {conn: c}, 2: {conn: s}}
		buf := make([]byte, 64<<10)
		ev := mio.NewEvents(16)
		for sides[1].sent < size || sides[2].sent < size || len(sides[1].received) < size || len(sides[2].received) < size {
			must(t, p.Poll(ev, -1))
			for e := range ev.Drain() {
				sd := sides[e.Token()]
				if e.IsWritable() {
					for sd.sent < size {
						n, err := sd.conn.Write(data[sd.sent:min(size, sd.sent+256<<10)])
						if errors.Is(err, mio.ErrWouldBlock) {
							break
						}
						must(t, err)
						sd.sent += n
					}
				}
				if e.IsReadable() {
					got, eof := readAll(t, sd.conn, buf)
					if eof {
						t.Fatal("unexpected EOF")
					}
					sd.received = append(sd.received, got...)
				}
			}
		}
		for tok, sd := range sides {
			if !bytes.Equal(sd.received, data) {
				t.Fatalf("side %d received %d bytes that differ from what was sent", tok, len(sd.received))
			}
		}
	})
}

func TestTCPPeekDoesNotConsume(t *testing.T) {
	c, s := tcpPair(t, any4)
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Readable))
	_, err := c.Write([]byte("hello"))
	must(t, err)
	waitFor(t, p, 1, readable)
	buf := make([]byte, 16)
	for range 2 {
		n, err := s.Peek(buf)
		if err != nil || string(buf[:n]) != "hello" {
			t.Fatalf("peek: %q, %v", buf[:n], err)
		}
	}
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read after peek: %q, %v", buf[:n], err)
	}
	if _, err := s.Peek(buf); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("peek on empty: %v", err)
	}
}

func TestTCPShutdown(t *testing.T) {
	t.Run("write", func(t *testing.T) {
		c, s := tcpPair(t, any4)
		p := newPoll(t)
		must(t, p.Registry().Register(s, 1, mio.Readable))
		must(t, c.Shutdown(mnet.ShutdownWrite))
		e := waitFor(t, p, 1, readable)
		if !e.IsReadClosed() || e.IsWriteClosed() {
			t.Fatalf("peer's write shutdown: %v, want read-closed only", e)
		}
		if _, err := s.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read: %v, want EOF", err)
		}
		if _, err := c.Write([]byte("x")); !errors.Is(err, errWriteAfterShutdown) {
			t.Fatalf("write after own write shutdown: %v, want %v", err, errWriteAfterShutdown)
		}
		if _, err := s.Write([]byte("still open")); err != nil {
			t.Fatalf("the other direction stays open: %v", err)
		}
	})
	t.Run("read", func(t *testing.T) {
		if !ownShutdownReported {
			t.Skip("AFD reports no event for a socket's own shutdown (mio skips this on Windows too)")
		}
		c, _ := tcpPair(t, any4)
		p := newPoll(t)
		must(t, p.Registry().Register(c, 1, mio.Readable))
		must(t, c.Shutdown(mnet.ShutdownRead))
		e := waitFor(t, p, 1, readable)
		if !e.IsReadClosed() {
			t.Fatalf("own read shutdown: %v, want read-closed", e)
		}
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("read: %v, want EOF", err)
		}
	})
	t.Run("both", func(t *testing.T) {
		if !ownShutdownReported {
			t.Skip("AFD reports no event for a socket's own shutdown (mio skips this on Windows too)")
		}
		c, _ := tcpPair(t, any4)
		p := newPoll(t)
		must(t, p.Registry().Register(c, 1, mio.Readable|mio.Writable))
		must(t, c.Shutdown(mnet.ShutdownBoth))
		e := waitFor(t, p, 1, func(e mio.Event) bool { return e.IsReadClosed() && e.IsWriteClosed() })
		if !e.IsReadable() {
			t.Fatalf("shutdown both: %v", e)
		}
	})
	if err := (&mnet.TCPStream{}).Shutdown(mnet.ShutdownBoth); err == nil {
		t.Fatal("shutdown on a stream that was never opened must fail")
	}
}

// A reset (SO_LINGER 0 then close) reaches the peer as read-closed, and
// reading reports ECONNRESET.
func TestTCPResetIsReadClosed(t *testing.T) {
	c, s := tcpPair(t, any4)
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Readable))
	rc, err := c.SyscallConn()
	must(t, err)
	must(t, rc.Control(func(fd uintptr) {
		must(t, lingerZero(fd))
	}))
	must(t, c.Close())
	e := waitFor(t, p, 1, readable)
	if !e.IsReadClosed() {
		t.Fatalf("after reset: %v, want read-closed", e)
	}
	if _, err := s.Read(make([]byte, 8)); !isResetOnRead(err) {
		t.Fatalf("read after reset: %v, want %v", err, errConnReset)
	}
	// Writing to a reset connection is an error, never a SIGPIPE.
	var werr error
	for range 3 {
		if _, werr = s.Write([]byte("x")); werr != nil {
			break
		}
	}
	if !isResetOnWrite(werr) {
		t.Fatalf("write after reset: %v", werr)
	}
}

func TestTCPConnectRefused(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		l := must2(mnet.ListenTCP(addr))(t)
		la, _ := l.LocalAddr()
		must(t, l.Close()) // now nothing listens on la
		p := newPoll(t)
		c := closer(t, must2(mnet.ConnectTCP(la))(t))
		must(t, p.Registry().Register(c, 3, mio.Readable|mio.Writable))
		e := waitFor(t, p, 3, anyEvent)
		if !e.IsError() || !e.IsWriteClosed() {
			t.Fatalf("refused connect: %v, want error and write-closed", e)
		}
		if err := c.TakeError(); !errors.Is(err, errConnRefused) {
			t.Fatalf("TakeError: %v, want %v", err, errConnRefused)
		}
		if err := c.TakeError(); takeErrorClears && err != nil {
			t.Fatalf("second TakeError: %v, want nil (taken)", err)
		}
		if _, err := c.PeerAddr(); !errors.Is(err, errNotConn) {
			t.Fatalf("PeerAddr of a refused connection: %v, want %v", err, errNotConn)
		}
	})
}

func TestTCPBindTwiceFails(t *testing.T) {
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	la, _ := l.LocalAddr()
	if l2, err := mnet.ListenTCP(la); !errors.Is(err, errAddrInUse) {
		if l2 != nil {
			l2.Close()
		}
		t.Fatalf("second listen on %v: %v, want EADDRINUSE", la, err)
	}
}

func TestTCPOptions(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		c, _ := tcpPair(t, addr)
		for _, on := range []bool{true, false} {
			must(t, c.SetNoDelay(on))
			if got, err := c.NoDelay(); err != nil || got != on {
				t.Fatalf("NoDelay %v, %v; want %v", got, err, on)
			}
		}
		must(t, c.SetTTL(42))
		if ttl, err := c.TTL(); err != nil || ttl != 42 {
			t.Fatalf("TTL %d, %v", ttl, err)
		}
		l := closer(t, must2(mnet.ListenTCP(addr))(t))
		must(t, l.SetTTL(9))
		if ttl, err := l.TTL(); err != nil || ttl != 9 {
			t.Fatalf("listener TTL %d, %v", ttl, err)
		}
	})
}

func TestTCPReadWriteBuffers(t *testing.T) {
	c, s := tcpPair(t, any4)
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Readable))
	n, err := c.WriteBuffers([][]byte{[]byte("ab"), nil, []byte("cde"), []byte("f")})
	if err != nil || n != 6 {
		t.Fatalf("WriteBuffers: %d, %v", n, err)
	}
	waitFor(t, p, 1, readable)
	a, b := make([]byte, 4), make([]byte, 4)
	n, err = s.ReadBuffers([][]byte{a, {}, b})
	if err != nil || n != 6 || string(a) != "abcd" || string(b[:2]) != "ef" {
		t.Fatalf("ReadBuffers: %d, %v, %q %q", n, err, a, b)
	}
	if n, err := s.ReadBuffers(nil); n != 0 || err != nil {
		t.Fatalf("ReadBuffers(nil): %d, %v", n, err)
	}
}

func TestTCPCloseTwiceAndUseAfterClose(t *testing.T) {
	c, _ := tcpPair(t, any4)
	p := newPoll(t)
	must(t, c.Close())
	if err := c.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if c.Fd() != closedFd {
		t.Fatalf("Fd after Close: %d", c.Fd())
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if err := p.Registry().Register(c, 1, mio.Readable); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Register after Close: %v", err)
	}
	var nilStream *mnet.TCPStream
	if err := p.Registry().Register(nilStream, 1, mio.Readable); !errors.Is(err, mio.ErrNilSource) {
		t.Fatalf("Register(nil *TCPStream): %v", err)
	}
}

func TestTCPFromStd(t *testing.T) {
	sl, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(any4))
	must(t, err)
	l := closer(t, must2(mnet.TCPListenerFromStd(sl))(t))
	la, err := l.LocalAddr()
	must(t, err)
	if _, err := sl.Accept(); err == nil {
		t.Fatal("the std listener must be closed after the take-over")
	}
	sc, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(la))
	must(t, err)
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	s, _ := acceptOne(t, p, 1, l.Accept)
	c := closer(t, must2(mnet.TCPStreamFromStd(sc))(t))
	must(t, p.Registry().Register(c, 2, mio.Readable))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("the taken-over stream must be non-blocking: %v", err)
	}
	_, err = s.Write([]byte("ping"))
	must(t, err)
	waitFor(t, p, 2, readable)
	got, _ := readAll(t, c, make([]byte, 8))
	if string(got) != "ping" {
		t.Fatalf("read %q", got)
	}
	if _, err := mnet.TCPStreamFromStd(nil); err == nil {
		t.Fatal("nil std conn must be an error")
	}
}

func TestTCPRegisterReregisterDeregister(t *testing.T) {
	c, s := tcpPair(t, any4)
	p := newPoll(t)
	r := p.Registry()
	must(t, r.Register(s, 1, mio.Writable))
	waitFor(t, p, 1, writable)
	must(t, r.Reregister(s, 2, mio.Readable))
	_, err := c.Write([]byte("x"))
	must(t, err)
	waitFor(t, p, 2, readable)
	must(t, r.Deregister(s))
	_, err = c.Write([]byte("y"))
	must(t, err)
	noEvent(t, p, 2)
	if err := r.Deregister(s); !errors.Is(err, mio.ErrNotRegistered) {
		t.Fatalf("second Deregister: %v", err)
	}
	must(t, r.Register(s, 3, mio.Readable))
	if err := r.Register(s, 3, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("double Register: %v", err)
	}
}

// Zero-length reads and writes succeed with nothing moved and change no
// readiness: they are not end of stream and not would-block.
func TestTCPZeroLength(t *testing.T) {
	c, s := tcpPair(t, any4)
	if n, err := c.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil): %d, %v", n, err)
	}
	if n, err := s.Read([]byte{}); n != 0 || err != nil {
		t.Fatalf("Read(empty): %d, %v", n, err)
	}
	if n, err := c.WriteBuffers([][]byte{{}, nil}); n != 0 || err != nil {
		t.Fatalf("WriteBuffers(empty): %d, %v", n, err)
	}
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("a zero-length write must not send anything: %v", err)
	}
}

// A short read ends the data as far as epoll(7) is concerned: a loop that
// stops there instead of reading on to would-block still gets an event for
// the next bytes. Windows keeps the same rule (its socket re-arms).
func TestTCPShortReadThenNewDataIsAnEvent(t *testing.T) {
	c, s := tcpPair(t, any4)
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Readable))
	buf := make([]byte, 4096)
	for round := range 3 {
		msg := []byte(fmt.Sprintf("round %d", round))
		_, err := c.Write(msg)
		must(t, err)
		waitFor(t, p, 1, readable)
		n, err := s.Read(buf)
		if err != nil || string(buf[:n]) != string(msg) {
			t.Fatalf("round %d: read %q, %v", round, buf[:n], err)
		}
	}
	// And a short write, likewise, for the writable side.
	must(t, p.Registry().Reregister(s, 2, mio.Writable))
	waitFor(t, p, 2, writable)
	big := make([]byte, 8<<20)
	n, err := s.Write(big)
	if err != nil || n == len(big) {
		t.Fatalf("write of 8 MiB: %d, %v; want a short write", n, err)
	}
	readAll(t, c, make([]byte, 1<<20)) // the peer reads: room again
	waitFor(t, p, 2, writable)
}

// A connection reset while it waits in the backlog is not the listener's
// error, and the listener goes on reporting the next ones (a Windows
// listener once stopped: Wine reports such a connection as WSAENOTCONN).
func TestTCPListenerSurvivesResetInBacklog(t *testing.T) {
	p := newPoll(t)
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	la, err := l.LocalAddr()
	must(t, err)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	for round := range 5 {
		c, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(la))
		must(t, err)
		must(t, c.SetLinger(0))
		must(t, c.Close()) // reset before the listener accepts
		good, err := net.DialTCP("tcp", nil, net.TCPAddrFromAddrPort(la))
		must(t, err)
		defer good.Close()
		gotGood := false
		for deadline := time.Now().Add(5 * time.Second); !gotGood && time.Now().Before(deadline); {
			waitFor(t, p, 1, readable)
			for {
				s, peer, err := l.Accept()
				if errors.Is(err, mio.ErrWouldBlock) {
					break
				}
				if err != nil {
					// A loop that gives up on an error until the next event
					// must still get that event.
					t.Logf("round %d: accept: %v", round, err)
					break
				}
				if peer.Port() == uint16(good.LocalAddr().(*net.TCPAddr).Port) {
					gotGood = true
				}
				s.Close()
			}
		}
		if !gotGood {
			t.Fatalf("round %d: the connection after a reset one was never accepted", round)
		}
	}
}

// connectFrom connects from local to a new listener on listenAddr and returns
// the client and the address the accepted side saw it come from.
func connectFrom(t *testing.T, local, listenAddr netip.AddrPort) (*mnet.TCPStream, netip.AddrPort) {
	t.Helper()
	l := closer(t, must2(mnet.ListenTCP(listenAddr))(t))
	la, err := l.LocalAddr()
	must(t, err)
	c, err := mnet.ConnectTCPFrom(local, la)
	if err != nil {
		t.Fatalf("ConnectTCPFrom(%v, %v): %v", local, la, err)
	}
	closer(t, c)
	p := newPoll(t)
	must(t, p.Registry().Register(c, 1, mio.Writable))
	waitFor(t, p, 1, writable)
	must(t, c.TakeError())
	// Registered once connected: the pending connection is reported at once.
	must(t, p.Registry().Register(l, 2, mio.Readable))
	s, peer := acceptOne(t, p, 2, l.Accept)
	s.Close()
	return c, peer
}

func TestConnectTCPFromChosenSource(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		c, peer := connectFrom(t, addr, addr) // the loopback address, port 0
		local, err := c.LocalAddr()
		must(t, err)
		if peer != local || peer.Addr() != addr.Addr() || peer.Port() == 0 {
			t.Fatalf("accepted side saw %v; client bound to %v, asked for %v", peer, local, addr)
		}
	})
	t.Run("other-loopback-address", func(t *testing.T) {
		src := netip.MustParseAddrPort("127.0.0.2:0")
		if u, err := mnet.BindUDP(src); err != nil {
			t.Skipf("no 127.0.0.2 here: %v", err)
		} else {
			u.Close()
		}
		c, peer := connectFrom(t, src, any4)
		local, err := c.LocalAddr()
		must(t, err)
		if peer.Addr() != src.Addr() || peer != local || peer.Port() == 0 {
			t.Fatalf("accepted side saw %v; client bound to %v, asked for %v", peer, local, src)
		}
	})
	t.Run("no-bind", func(t *testing.T) {
		c, peer := connectFrom(t, netip.AddrPort{}, any4)
		local, err := c.LocalAddr()
		must(t, err)
		if peer != local || peer.Addr() != any4.Addr() {
			t.Fatalf("accepted side saw %v, client is %v", peer, local)
		}
	})
}

func TestConnectTCPFromRefusesAnAddressInUse(t *testing.T) {
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	la, err := l.LocalAddr()
	must(t, err)
	if c, err := mnet.ConnectTCPFrom(la, la); !errors.Is(err, errAddrInUse) {
		if err == nil {
			c.Close()
		}
		t.Fatalf("bound to the listener's own address: %v, want an error matching %v", err, errAddrInUse)
	}
	if c, err := mnet.ConnectTCPFrom(netip.AddrPortFrom(netip.Addr{}, 80), la); err == nil {
		c.Close()
		t.Fatal("an invalid, non-zero local address was accepted")
	}
}
