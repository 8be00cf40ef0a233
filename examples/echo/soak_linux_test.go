//go:build linux

package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoak runs the echo loop under a mixed load for $SOAK (5 s when unset:
// the short version make test runs; make soak sets 10m): connection churn,
// small and large messages, half-closes and resets. Every 10 s (or at the
// end) it prints throughput, p99 latency, open descriptors and heap, and it
// fails on any byte mismatch, on descriptors left open, or on heap growth.
func TestSoak(t *testing.T) {
	d := 5 * time.Second
	if s := os.Getenv("SOAK"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatalf("SOAK=%q: %v", s, err)
		}
	}
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close() // the runtime's own poller opens its descriptors once, now
	}
	fdsBefore := countFds(t)
	addr, _, stopServer := startServer(t)

	var (
		mu        sync.Mutex
		latencies []time.Duration
		exchanges atomic.Int64
		bytesOut  atomic.Int64
		conns     atomic.Int64
		failure   atomic.Value
	)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) && failure.Load() == nil {
				if err := soakConn(addr.String(), r, func(lat time.Duration, n int) {
					mu.Lock()
					latencies = append(latencies, lat)
					mu.Unlock()
					exchanges.Add(1)
					bytesOut.Add(int64(n))
				}); err != nil {
					failure.Store(err)
				}
				conns.Add(1)
			}
		})
	}

	var heapFirst uint64
	report := func(window time.Duration, final bool) {
		mu.Lock()
		lat := latencies
		latencies = nil
		mu.Unlock()
		slices.Sort(lat)
		var p99 time.Duration
		if len(lat) > 0 {
			p99 = lat[len(lat)*99/100]
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if heapFirst == 0 {
			heapFirst = ms.HeapInuse
		}
		fmt.Printf("soak: %6.0f exchanges/s %7.1f MB/s p99 %-10v conns %-7d fds %-5d heap %5.1f MiB\n",
			float64(exchanges.Swap(0))/window.Seconds(), float64(bytesOut.Swap(0))/window.Seconds()/(1<<20),
			p99.Round(time.Microsecond), conns.Load(), countFds(t), float64(ms.HeapInuse)/(1<<20))
		if final && ms.HeapInuse > 2*heapFirst+16<<20 {
			t.Errorf("heap grew from %d to %d bytes", heapFirst, ms.HeapInuse)
		}
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(min(10*time.Second, d))
	last := time.Now()
	for running := true; running; {
		select {
		case <-finished:
			running = false
		case now := <-tick.C:
			report(now.Sub(last), false)
			last = now
		}
	}
	tick.Stop()
	report(time.Since(last), true)
	if err, _ := failure.Load().(error); err != nil {
		t.Fatal(err)
	}
	stopServer()
	if after := countFds(t); after > fdsBefore {
		t.Fatalf("%d descriptors open after the soak, %d before", after, fdsBefore)
	}
}

// soakConn runs one connection: a few exchanges of random size, each checked
// byte for byte, then a close, a half-close or a reset.
func soakConn(addr string, r *rand.Rand, record func(time.Duration, int)) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	tc := c.(*net.TCPConn)
	defer tc.Close()
	for range 1 + r.IntN(20) {
		size := 64
		if r.IntN(10) == 0 {
			size = 256 << 10 // now and then a large one
		}
		start := time.Now()
		msg := randomMessage(r, size)
		if err := exchange(tc, msg); err != nil {
			return err
		}
		record(time.Since(start), len(msg))
	}
	switch r.IntN(3) {
	case 0: // reset
		tc.SetLinger(0)
	case 1: // half-close: the server must see EOF and close its side
		tc.CloseWrite()
		tc.SetReadDeadline(time.Now().Add(stallTimeout))
		if n, err := io.Copy(io.Discard, tc); err != nil || n != 0 {
			return fmt.Errorf("after half-close: %d bytes, %v", n, err)
		}
	}
	return nil
}

func countFds(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
