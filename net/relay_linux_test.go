//go:build linux

package net_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// openPipes counts the process's descriptors that are pipe ends.
func openPipes(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "pipe:") {
			n++
		}
	}
	return n
}

// relayLane is one relay under test: a peer writes size bytes into src
// (byte i is i*7+lane, mod 251) and shuts down; dstPeer reads them back.
type relayLane struct {
	srcPeer, src, dst, dstPeer *mnet.TCPStream
	relay                      *mnet.Relay
	sent, got                  int
	eof                        bool
}

func laneByte(lane, i int) byte { return byte((i*7 + lane) % 251) }

// runLanes relays size bytes through each of n relays from newRelay, all on
// one Poll, and checks every byte. The relay is pumped when src is readable,
// and when dst is writable only if bytes wait for it, as a proxy does; the
// even lanes with PumpEdge, the odd ones with Pump. After
// every round of events, check sees the lanes.
func runLanes(t *testing.T, n, size int, newRelay func(dst, src *mnet.TCPStream) (*mnet.Relay, error), check func()) {
	p := newPoll(t)
	r := p.Registry()
	lanes := make([]*relayLane, n)
	for i := range lanes {
		l := &relayLane{}
		l.srcPeer, l.src = tcpPair(t, any4)
		l.dst, l.dstPeer = tcpPair(t, any4)
		l.relay = closer(t, must2(newRelay(l.dst, l.src))(t))
		lanes[i] = l
		base := mio.Token(4 * i)
		must(t, r.Register(l.srcPeer, base, mio.Writable))
		must(t, r.Register(l.src, base+1, mio.Readable))
		must(t, r.Register(l.dst, base+2, mio.Writable))
		must(t, r.Register(l.dstPeer, base+3, mio.Readable))
	}
	chunk := make([]byte, 64<<10)
	buf := make([]byte, 64<<10)
	done := 0
	ev := mio.NewEvents(256)
	for done < n {
		must(t, p.Poll(ev, -1))
		for e := range ev.Drain() {
			i, role := int(e.Token())/4, e.Token()%4
			l := lanes[i]
			switch role {
			case 0:
				for l.sent < size {
					m := min(len(chunk), size-l.sent)
					for j := range m {
						chunk[j] = laneByte(i, l.sent+j)
					}
					w, err := l.srcPeer.Write(chunk[:m])
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					must(t, err)
					l.sent += w
				}
				if l.sent == size {
					must(t, l.srcPeer.Shutdown(mnet.ShutdownWrite))
					l.sent++ // once
				}
			case 1, 2:
				if role == 2 && l.relay.Buffered() == 0 {
					break
				}
				var err error
				if i%2 == 0 {
					_, err = l.relay.PumpEdge(role == 1 && e.IsReadClosed())
				} else {
					_, err = l.relay.Pump()
				}
				if err == io.EOF {
					must(t, l.dst.Shutdown(mnet.ShutdownWrite))
				} else if !errors.Is(err, mio.ErrWouldBlock) {
					t.Fatalf("lane %d: Pump: %v", i, err)
				}
			case 3:
				for !l.eof {
					m, err := l.dstPeer.Read(buf)
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err == io.EOF {
						l.eof = true
						if l.got != size {
							t.Fatalf("lane %d: EOF after %d bytes, want %d", i, l.got, size)
						}
						done++
						break
					}
					must(t, err)
					for j, b := range buf[:m] {
						if b != laneByte(i, l.got+j) {
							t.Fatalf("lane %d: byte %d is %d, want %d", i, l.got+j, b, laneByte(i, l.got+j))
						}
					}
					l.got += m
				}
			}
		}
		check()
	}
}

// Relays of one pool that all stream at once share its pipes: never more
// than maxPipes open, every byte delivered in order (the relays that find
// no pipe copy), and the pipes given back when the transfers end.
func TestRelayPoolBoundsPipes(t *testing.T) {
	const maxPipes = 2
	before := openPipes(t)
	pool := mnet.NewRelayPool(maxPipes)
	most := 0
	runLanes(t, 8, 4<<20, pool.NewRelay, func() {
		open := openPipes(t) - before
		most = max(most, open)
		if open > 2*maxPipes {
			t.Fatalf("%d pipe ends open, pool bounded at %d pipes", open, maxPipes)
		}
	})
	if most == 0 {
		t.Error("no pipe was ever open: the relays never spliced")
	}
	must(t, pool.Close())
	if open := openPipes(t) - before; open != 0 {
		t.Fatalf("%d pipe ends open after the pool closed", open)
	}
	if err := pool.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// A pool of no pipes relays by copying alone.
func TestRelayPoolWithoutPipesCopies(t *testing.T) {
	before := openPipes(t)
	pool := mnet.NewRelayPool(0)
	defer pool.Close()
	runLanes(t, 3, 1<<20, pool.NewRelay, func() {
		if open := openPipes(t) - before; open != 0 {
			t.Fatalf("%d pipe ends open with a pool of none", open)
		}
	})
}

// Messages below the splice threshold, one at a time, go through the
// buffer: the relay opens no pipe, delivers each in one PumpEdge, and says
// ErrWouldBlock after it (the short read told it src is drained); the end
// of src, reported by the event, is then io.EOF.
func TestRelaySmallMessagesTakeNoPipe(t *testing.T) {
	before := openPipes(t)
	srcPeer, src := tcpPair(t, any4)
	dst, dstPeer := tcpPair(t, any4)
	relay := closer(t, must2(mnet.NewRelay(dst, src))(t))
	p := newPoll(t)
	must(t, p.Registry().Register(src, 1, mio.Readable))
	must(t, p.Registry().Register(dstPeer, 2, mio.Readable))
	buf := make([]byte, 1024)
	for i := range 50 {
		msg := fmt.Appendf(nil, "message %d, %s", i, strings.Repeat("x", i*10))
		must2(srcPeer.Write(msg))(t)
		waitFor(t, p, 1, readable)
		n, err := relay.PumpEdge(false)
		if n != int64(len(msg)) || !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("message %d: Pump = %d, %v; want %d, ErrWouldBlock", i, n, err, len(msg))
		}
		if b := relay.Buffered(); b != 0 {
			t.Fatalf("message %d: %d bytes buffered after a full delivery", i, b)
		}
		waitFor(t, p, 2, readable)
		got := must2(dstPeer.Read(buf))(t)
		if string(buf[:got]) != string(msg) {
			t.Fatalf("message %d: got %q", i, buf[:got])
		}
		if open := openPipes(t) - before; open != 0 {
			t.Fatalf("message %d: %d pipe ends open for small messages", i, open)
		}
	}
	must2(srcPeer.Write([]byte("last")))(t)
	must(t, srcPeer.Shutdown(mnet.ShutdownWrite))
	e := waitFor(t, p, 1, func(e mio.Event) bool { return e.IsReadClosed() })
	if n, err := relay.PumpEdge(e.IsReadClosed()); n != 4 || err != io.EOF {
		t.Fatalf("PumpEdge after the end: %d, %v; want 4, io.EOF", n, err)
	}
}

func TestRelayPoolNeedsStreams(t *testing.T) {
	pool := mnet.NewRelayPool(1)
	defer pool.Close()
	if _, err := pool.NewRelay(nil, nil); !errors.Is(err, mio.ErrNilSource) {
		t.Fatalf("NewRelay(nil, nil): %v, want ErrNilSource", err)
	}
	var none *mnet.RelayPool
	a, b := tcpPair(t, any4)
	if _, err := none.NewRelay(a, b); !errors.Is(err, mio.ErrNilSource) {
		t.Fatalf("nil pool: %v, want ErrNilSource", err)
	}
}

// A small message through a relay allocates nothing once the pool has its
// buffer: the buffer is lent and given back, errors are preallocated.
func TestRelayPumpAllocatesNothing(t *testing.T) {
	srcPeer, src := tcpPair(t, any4)
	dst, dstPeer := tcpPair(t, any4)
	pool := mnet.NewRelayPool(1)
	defer pool.Close()
	relay := closer(t, must2(pool.NewRelay(dst, src))(t))
	p := newPoll(t)
	must(t, p.Registry().Register(src, 1, mio.Readable))
	must(t, p.Registry().Register(dstPeer, 2, mio.Readable))
	msg, buf := []byte("sixty-four bytes, more or less, as a proxied request would be."), make([]byte, 256)
	ev := mio.NewEvents(4)
	wait := func(tok mio.Token) {
		for {
			if err := p.Poll(ev, -1); err != nil {
				t.Fatal(err)
			}
			found := false
			for e, ok := ev.Pop(); ok; e, ok = ev.Pop() {
				found = found || e.Token() == tok
			}
			if found {
				return
			}
		}
	}
	roundTrip := func() {
		if _, err := srcPeer.Write(msg); err != nil {
			t.Fatal(err)
		}
		wait(1)
		if n, err := relay.PumpEdge(false); n != int64(len(msg)) || !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("PumpEdge = %d, %v", n, err)
		}
		wait(2)
		if n, err := dstPeer.Read(buf); n != len(msg) || err != nil {
			t.Fatalf("%d bytes delivered (%v), want %d", n, err, len(msg))
		}
	}
	roundTrip() // the pool makes its buffer
	if allocs := testing.AllocsPerRun(200, roundTrip); allocs != 0 {
		t.Fatalf("%v allocations per small message", allocs)
	}
}
