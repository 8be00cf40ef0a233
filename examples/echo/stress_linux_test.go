//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/unix"
)

// Thousands of concurrent clients through the one loop, with random message
// sizes and random write chunking, every byte compared; optionally with a
// storm of handled signals aimed at the loop's thread. Clients are mio
// streams on one client loop, so that thousands of them cost thousands of
// descriptors, not thousands of goroutines.
func TestEchoThousandsOfClients(t *testing.T) { stress(t, false) }

func TestEchoThousandsOfClientsUnderSignalStorm(t *testing.T) { stress(t, true) }

func stress(t *testing.T, storm bool) {
	clients, rounds := 2000, 4
	if testing.Short() || raceEnabled {
		clients, rounds = 200, 3
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(3*clients+100) {
		lim.Cur = min(lim.Max, uint64(3*clients+100))
		unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
		if lim.Cur < uint64(3*clients+100) {
			clients = int(lim.Cur-100) / 3
		}
	}

	addr, target, stopServer := startServer(t)

	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	if storm {
		sigs := make(chan os.Signal, 64)
		signal.Notify(sigs, unix.SIGUSR1)
		defer signal.Stop(sigs)
		go func() {
			for range sigs {
			}
		}()
		wg.Go(func() {
			// 20 kHz, paced by the clock: a ticker cannot tick that fast.
			start := time.Now()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if time.Since(start) < time.Duration(sent.Load())*50*time.Microsecond {
					runtime.Gosched()
					continue
				}
				if unix.Tgkill(unix.Getpid(), target, unix.SIGUSR1) == nil {
					sent.Add(1)
				}
			}
		})
	}

	start := time.Now()
	runClients(t, addr, clients, rounds)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	stopServer()
	if storm {
		if sent.Load() == 0 {
			t.Fatal("no signal was sent")
		}
		rate := float64(sent.Load()) / elapsed.Seconds()
		t.Logf("%d signals sent to the loop's thread, %.0f per second", sent.Load(), rate)
	}
}

// client is one connection of the client loop: the message it sends, how
// much is written, and what has come back.
type client struct {
	s       *mnet.TCPStream
	msg     []byte
	written int
	got     []byte
	round   int
	r       *rand.Rand
}

func (c *client) next() {
	c.msg = randomMessage(c.r, 32<<10)
	c.written, c.got = 0, c.got[:0]
}

func runClients(t *testing.T, addr netip.AddrPort, n, rounds int) {
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cs := make([]*client, n)
	for i := range cs {
		s, err := mnet.ConnectTCP(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		cs[i] = &client{s: s, r: rand.New(rand.NewPCG(uint64(i), 7))}
		cs[i].next()
		if err := p.Registry().Register(s, mio.Token(i), mio.Readable|mio.Writable); err != nil {
			t.Fatal(err)
		}
	}
	finished := 0
	buf := make([]byte, 64<<10)
	ev := mio.NewEvents(1024)
	// Stuck is a stallTimeout without an event, not a slow run.
	stalled := time.Now().Add(stallTimeout)
	for finished < n {
		if time.Now().After(stalled) {
			t.Fatalf("%d of %d clients finished; no event for %v", finished, n, stallTimeout)
		}
		if err := p.Poll(ev, time.Second); err != nil {
			t.Fatal(err)
		}
		if !ev.IsEmpty() {
			stalled = time.Now().Add(stallTimeout)
		}
		for e := range ev.Drain() {
			c := cs[e.Token()]
			if c.round == rounds {
				continue
			}
			// Write in random chunks until the socket is full.
			for c.written < len(c.msg) {
				k := min(len(c.msg)-c.written, 1+c.r.IntN(8<<10))
				w, err := c.s.Write(c.msg[c.written : c.written+k])
				if errors.Is(err, mio.ErrWouldBlock) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				c.written += w
			}
			for {
				r, err := c.s.Read(buf)
				if errors.Is(err, mio.ErrWouldBlock) {
					break
				}
				if err == io.EOF || err != nil {
					t.Fatalf("client %d: %v", e.Token(), err)
				}
				c.got = append(c.got, buf[:r]...)
			}
			if len(c.got) == len(c.msg) {
				if !bytes.Equal(c.got, c.msg) {
					t.Fatalf("client %d round %d: echo differs", e.Token(), c.round)
				}
				if c.round++; c.round == rounds {
					finished++
					continue
				}
				c.next()
				// Writable edges only come on change: start the next
				// message now rather than wait for one.
				for c.written < len(c.msg) {
					w, err := c.s.Write(c.msg[c.written:])
					if err != nil {
						break
					}
					c.written += w
				}
			}
		}
	}
}
