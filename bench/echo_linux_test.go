//go:build linux

package bench

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkEcho runs closed-loop ping-pong over loopback: N connections, each
// sending M bytes and waiting for the whole echo before the next send,
// against an echo server process per impl, each built from its source:
//
//	impl=mio   examples/echo: this library's one-loop server
//	impl=std   package net, a goroutine per connection
//	impl=gnet  gnet v2 with its defaults (one event loop)
//
// It reports round trips per second, p50 and p99 latency, and the server's
// CPU time per round trip (from /proc), which is the figure that holds still
// on a noisy machine. When the benchmark is pinned to one CPU, the server
// gets the others.
func BenchmarkEcho(b *testing.B) {
	for _, c := range []struct{ conns, size int }{{1, 64}, {50, 64}} {
		for _, impl := range []string{"mio", "std", "gnet"} {
			b.Run(fmt.Sprintf("impl=%s/conns=%d/bytes=%d", impl, c.conns, c.size), func(b *testing.B) {
				pid, addr := startEchoServer(b, impl)
				conns := make([]net.Conn, c.conns)
				for i := range conns {
					conn, err := net.Dial("tcp", addr)
					if err != nil {
						b.Fatal(err)
					}
					defer conn.Close()
					conns[i] = conn
				}
				lat := make([][]time.Duration, len(conns))
				cpu0 := procCPU(b, pid)
				start := time.Now()
				b.ResetTimer()
				var wg sync.WaitGroup
				for i, conn := range conns {
					n := b.N / len(conns)
					if i < b.N%len(conns) {
						n++
					}
					wg.Go(func() { lat[i] = pingPong(b, conn, c.size, n) })
				}
				wg.Wait()
				b.StopTimer()
				elapsed := time.Since(start)
				all := slices.Concat(lat...)
				slices.Sort(all)
				if len(all) > 0 {
					b.ReportMetric(float64(all[len(all)/2].Nanoseconds())/1e3, "p50-us")
					b.ReportMetric(float64(all[len(all)*99/100].Nanoseconds())/1e3, "p99-us")
				}
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rt/s")
				b.ReportMetric(float64((procCPU(b, pid)-cpu0).Microseconds())/float64(b.N), "srv-us/rt")
			})
		}
	}
}

func pingPong(b *testing.B, c net.Conn, size, n int) []time.Duration {
	out := make([]byte, size)
	in := make([]byte, size)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		out[0] = byte(i)
		t := time.Now()
		if _, err := c.Write(out); err != nil {
			b.Error(err)
			return lat
		}
		if _, err := io.ReadFull(c, in); err != nil {
			b.Error(err)
			return lat
		}
		lat = append(lat, time.Since(t))
	}
	return lat
}

var (
	serverDir  string
	serverOnce = map[string]*sync.Once{"mio": {}, "std": {}, "gnet": {}}
	serverPkgs = map[string]string{
		"mio":  "github.com/gomio/mio/examples/echo",
		"std":  "./cmd/echo-std",
		"gnet": "./cmd/echo-gnet",
	}
	serverErr = map[string]error{}
)

// startEchoServer builds (once) and starts the server of impl on a free
// port, and returns its pid and address.
func startEchoServer(b *testing.B, impl string) (int, string) {
	bin := filepath.Join(serverDir, "echo-"+impl)
	serverOnce[impl].Do(func() {
		out, err := exec.Command("go", "build", "-o", bin, serverPkgs[impl]).CombinedOutput()
		if err != nil {
			serverErr[impl] = fmt.Errorf("build %s: %v\n%s", impl, err, out)
		}
	})
	if err := serverErr[impl]; err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := besideCommand(bin, "-addr", addr)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s server did not start: %v", impl, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd.Process.Pid, addr
}

// procCPU is the user+system CPU time of process pid, from /proc.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) start at state.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond
}
