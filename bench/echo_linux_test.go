//go:build linux

package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkEcho runs closed-loop ping-pong over loopback: N connections, each
// sending M bytes and waiting for the whole echo before the next send. The
// servers run in this process:
//
//	impl=mio   examples/echo's event loop (its package server), one loop
//	impl=std   package net, a goroutine per connection
//	impl=gnet  gnet v2 with its defaults (one event loop)
//
// and the clients in another (this test binary re-executed, beside the
// benchmark's CPU when it is pinned), so that the CPU time getrusage
// reports for this process is the server's. It reports round trips per
// second, p50 and p99 latency, and that CPU time per round trip, which is
// the figure that holds still on a noisy machine.
func BenchmarkEcho(b *testing.B) {
	for _, c := range []struct{ conns, size int }{{1, 64}, {50, 64}} {
		for _, impl := range []string{"mio", "std", "gnet"} {
			b.Run(fmt.Sprintf("impl=%s/conns=%d/bytes=%d", impl, c.conns, c.size), func(b *testing.B) {
				addr, stop := echoServers[impl](b)
				defer stop()
				runEchoClients(b, addr, c.conns, c.size).report(b)
			})
		}
	}
}

// BenchmarkEchoBusyPoll is BenchmarkEcho's one connection through
// examples/echo's loop spinning up to 100 µs before each wait blocks
// (-busypoll 100us, impl=busy) and the same loop without (impl=plain):
// latency bought with CPU.
func BenchmarkEchoBusyPoll(b *testing.B) {
	for _, impl := range []string{"busy", "plain"} {
		b.Run("impl="+impl+"/conns=1/bytes=64", func(b *testing.B) {
			busy := time.Duration(0)
			if impl == "busy" {
				busy = 100 * time.Microsecond
			}
			addr, stop := startMioEcho(b, busy)
			defer stop()
			runEchoClients(b, addr, 1, 64).report(b)
		})
	}
}

// echoResult is what one run of the clients measured.
type echoResult struct {
	p50, p99 float64 // µs
	elapsed  time.Duration
	cpu      time.Duration // this process's, over the same span
}

func (r echoResult) report(b *testing.B) {
	b.ReportMetric(r.p50, "p50-us")
	b.ReportMetric(r.p99, "p99-us")
	b.ReportMetric(float64(b.N)/r.elapsed.Seconds(), "rt/s")
	b.ReportMetric(float64(r.cpu.Nanoseconds())/1e3/float64(b.N), "srv-us/rt")
}

// echoClientEnv gives the client process its task: "addr conns size n pid".
const echoClientEnv = "MIO_BENCH_ECHO_CLIENT"

// runEchoClients starts the client process, lets it connect, then times
// b.N round trips (and this process's CPU time) from its start signal to
// its report.
//
// This process waits for the clients on signals (SIGUSR1, or SIGCHLD if
// they die), and their report goes to a file: a goroutine blocked in a read
// would hold the one P of a GOMAXPROCS=1 run (make bench) until sysmon took
// it back, and one parked in the runtime's netpoller (a pipe, or os/exec's
// copying and waiting goroutines) would wake threads of its own; either is
// charged to the server under test.
func runEchoClients(b *testing.B, addr string, conns, size int) echoResult {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, unix.SIGUSR1, unix.SIGCHLD)
	defer signal.Stop(signals)
	report, err := os.CreateTemp("", "mio-bench-echo")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(report.Name())
	defer report.Close()
	cmd := besideCommand(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d %d %d", echoClientEnv, addr, conns, size, b.N, os.Getpid()))
	cmd.Stdout, cmd.Stderr = report, os.Stderr // files: no copying goroutine
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer in.Close()
	// A SIGCHLD says that some child changed state: one of an earlier
	// benchmark (its exit can be delivered after this Notify) or another
	// helper process as well as these clients. Only waitid on this child's
	// pid, without reaping it, tells whether it is the one that exited.
	await := func(what string) {
		for sig := range signals {
			if sig == unix.SIGUSR1 {
				return
			}
			if exited(cmd.Process.Pid) {
				b.Skipf("did not run: the echo clients exited before %s (their stderr is above)", what)
			}
		}
	}
	await("connecting")
	b.ResetTimer()
	cpu0, start := cpuTime(), time.Now()
	io.WriteString(in, "go\n")
	await("reporting")
	r := echoResult{elapsed: time.Since(start), cpu: cpuTime() - cpu0}
	b.StopTimer()
	raw, _ := os.ReadFile(report.Name())
	if _, err := fmt.Sscan(string(raw), &r.p50, &r.p99); err != nil {
		b.Fatalf("echo clients: %q: %v", raw, err)
	}
	return r
}

// exited reports whether the child pid has exited, leaving it to be reaped
// by exec.Cmd.Wait.
func exited(pid int) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	return err == nil && info.Signo == int32(unix.SIGCHLD)
}

// runEchoClient is the client process: it connects, signals the benchmark,
// waits for a line on stdin, runs n round trips spread over the
// connections, prints the p50 and p99 latency in µs and signals again.
func runEchoClient(task string) {
	f := strings.Fields(task)
	conns, _ := strconv.Atoi(f[1])
	size, _ := strconv.Atoi(f[2])
	n, _ := strconv.Atoi(f[3])
	bench, _ := strconv.Atoi(f[4])
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", f[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		cs[i] = c
	}
	unix.Kill(bench, unix.SIGUSR1)
	bufio.NewReader(os.Stdin).ReadString('\n')
	lat := make([][]time.Duration, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		share := n / len(cs)
		if i < n%len(cs) {
			share++
		}
		wg.Go(func() { lat[i] = pingPong(c, size, share) })
	}
	wg.Wait()
	all := slices.Concat(lat...)
	if len(all) < n {
		os.Exit(1) // pingPong said why
	}
	slices.Sort(all)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	fmt.Println(us(all[len(all)/2]), us(all[len(all)*99/100]))
	unix.Kill(bench, unix.SIGUSR1)
}

// pingPong runs n round trips of size bytes on c and returns their
// latencies (fewer on an error, which it prints).
func pingPong(c net.Conn, size, n int) []time.Duration {
	out := make([]byte, size)
	in := make([]byte, size)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		out[0] = byte(i)
		t := time.Now()
		if _, err := c.Write(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return lat
		}
		if _, err := io.ReadFull(c, in); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return lat
		}
		if in[0] != out[0] {
			fmt.Fprintln(os.Stderr, "echo differs")
			return lat
		}
		lat = append(lat, time.Since(t))
	}
	return lat
}
