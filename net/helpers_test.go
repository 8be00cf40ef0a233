//go:build unix || windows

package net_test

import (
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/testkit"
	mnet "github.com/gomio/mio/net"
)

var (
	any4 = netip.MustParseAddrPort("127.0.0.1:0")
	any6 = netip.MustParseAddrPort("[::1]:0")
)

// families runs f for IPv4 and IPv6 loopback (IPv6 only where the host has it).
func families(t *testing.T, f func(t *testing.T, addr netip.AddrPort)) {
	t.Run("ipv4", func(t *testing.T) { f(t, any4) })
	t.Run("ipv6", func(t *testing.T) {
		l, err := mnet.ListenTCP(any6)
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		l.Close()
		f(t, any6)
	})
}

func newPoll(t testing.TB) *mio.Poll {
	t.Helper()
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// closer registers c.Close as cleanup, ignoring a second close.
func closer[T interface{ Close() error }](t testing.TB, c T) T {
	t.Helper()
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls until an event for tok satisfying ok arrives, or 5 s pass.
var waitFor = testkit.WaitFor

// acceptOne waits on p for the readable event of tok, a listener's
// registration, and accepts the connection it announces; the accepted
// stream is closed when the test ends.
func acceptOne[S interface{ Close() error }, A any](t testing.TB, p *mio.Poll, tok mio.Token, accept func() (S, A, error)) (S, A) {
	t.Helper()
	waitFor(t, p, tok, readable)
	s, addr, err := accept()
	must(t, err)
	closer(t, s)
	return s, addr
}

func readable(e mio.Event) bool { return e.IsReadable() }
func writable(e mio.Event) bool { return e.IsWritable() }
func anyEvent(mio.Event) bool   { return true }

// noEvent asserts that tok gets no event within a short wait.
func noEvent(t testing.TB, p *mio.Poll, tok mio.Token) {
	t.Helper()
	ev := mio.NewEvents(64)
	must(t, p.Poll(ev, 30*time.Millisecond))
	for e := range ev.Drain() {
		if e.Token() == tok {
			t.Fatalf("unexpected event %v", e)
		}
	}
}

// tcpPair returns a connected (client, server) pair over loopback.
func tcpPair(t *testing.T, addr netip.AddrPort) (*mnet.TCPStream, *mnet.TCPStream) {
	t.Helper()
	l := closer(t, must2(mnet.ListenTCP(addr))(t))
	la, err := l.LocalAddr()
	must(t, err)
	c := closer(t, must2(mnet.ConnectTCP(la))(t))
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	s, _ := acceptOne(t, p, 1, l.Accept)
	must(t, p.Registry().Register(c, 2, mio.Writable))
	waitFor(t, p, 2, writable)
	must(t, c.TakeError())
	must(t, p.Close()) // the pair is free to register elsewhere
	return c, s
}

// must2 unwraps a (value, error) pair.
func must2[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// readAll drains r until ErrWouldBlock or EOF and returns what it read.
func readAll(t testing.TB, r io.Reader, buf []byte) (got []byte, eof bool) {
	t.Helper()
	for {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		switch {
		case errors.Is(err, mio.ErrWouldBlock):
			return got, false
		case err == io.EOF:
			return got, true
		case err != nil:
			t.Fatal(err)
		}
	}
}

// nilIfErr turns a typed nil beside an error into an untyped one, so that a
// failed constructor called through a func returning mio.Source gives nil.
func nilIfErr[T mio.Source](s T, err error) (mio.Source, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}
