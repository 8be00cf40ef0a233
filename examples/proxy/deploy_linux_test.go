//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the proxy itself when the test binary is started as one by
// startChild, under the descriptor limit it is given.
func TestMain(m *testing.M) {
	switch os.Getenv("MIO_PROXY_CHILD") {
	case "echo":
		echoMain()
		return
	case "1":
		if n, err := strconv.ParseUint(os.Getenv("MIO_PROXY_NOFILE"), 10, 64); err == nil {
			// Hard and soft both: the runtime raises the soft limit to
			// the hard one at start, and so would undo a soft one alone.
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				panic(err)
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// echoMain is an upstream echo server as a process of its own, for tests
// whose clients need every descriptor the test process has: it prints its
// address and echoes until killed.
func echoMain() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
	}
}

// startOrSkip starts the test binary again as cmd, or skips the test where
// it cannot be (under an emulator that runs it through -exec, the binary
// is not one this kernel runs by itself).
func startOrSkip(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("the test binary cannot run as a child here: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
}

// startEcho runs echoMain in a child process and returns its address.
func startEcho(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "MIO_PROXY_CHILD=echo")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	startOrSkip(t, cmd)
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("echo server: %v", err)
	}
	return strings.TrimSpace(addr)
}

// child is the proxy as a process of its own: its log, line by line, and
// the address it listens on.
type child struct {
	cmd   *exec.Cmd
	addr  string
	lines chan string
}

// startChild runs the proxy with args, and nofile descriptors at most
// (0: the test's limit).
func startChild(t *testing.T, nofile int, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "MIO_PROXY_CHILD=1", "MIO_PROXY_NOFILE="+strconv.Itoa(nofile))
	if nofile == 0 {
		cmd.Env = cmd.Env[:len(cmd.Env)-1]
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	startOrSkip(t, cmd)
	c := &child{cmd: cmd, lines: make(chan string, 1024)}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	line := c.waitLog(t, "listening on ")
	c.addr = strings.Fields(line[strings.Index(line, "listening on ")+len("listening on "):])[0]
	c.addr = strings.TrimSuffix(c.addr, ",")
	return c
}

// waitLog returns the next log line that contains s.
func (c *child) waitLog(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("the proxy exited before logging %q", s)
			}
			t.Logf("proxy: %s", l)
			if strings.Contains(l, s) {
				return l
			}
		case <-timeout:
			t.Fatalf("the proxy never logged %q", s)
		}
	}
}

// Out of descriptors, the proxy keeps serving the pairs it has, and takes
// the clients waiting in its backlog as soon as pairs close: none of them
// waits for another client to connect. SIGTERM then ends it cleanly.
func TestProxyRecoversFromEMFILE(t *testing.T) {
	up := upstreamEcho(t)
	// About ten descriptors go to the runtime, the Poll, its waker, the
	// listener and the reserve; the rest make two or three pairs.
	c := startChild(t, 16, "-upstream", up.String())
	const clients = 12
	release := make(chan struct{})
	var wg sync.WaitGroup
	served := make(chan int, clients)
	for i := range clients {
		conn, err := net.Dial("tcp", c.addr) // the kernel completes it from the backlog
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		wg.Go(func() {
			if err := roundTrip(conn, "ping "+strconv.Itoa(i)); err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			served <- i
			<-release
			conn.Close()
		})
	}
	c.waitLog(t, "too many open files")
	if n := len(served); n == clients {
		t.Fatalf("all %d clients served under the limit: it is too high to test", n)
	}
	close(release)
	wg.Wait()
	if t.Failed() {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.exit(); err != nil {
		t.Fatalf("proxy after SIGTERM: %v", err)
	}
}

// exit reads the proxy's log to its end and returns how the process ended.
func (c *child) exit() error {
	for range c.lines {
	}
	return c.cmd.Wait()
}

// stats asks the proxy for its figures (SIGUSR1) and parses them.
func (c *child) stats(t *testing.T) (pairs, fds, heap int) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGUSR1)
	l := c.waitLog(t, "stats: ")
	if _, err := fmt.Sscanf(l[strings.Index(l, "stats: "):], "stats: pairs %d, descriptors %d, heap %d bytes", &pairs, &fds, &heap); err != nil {
		t.Fatalf("stats line %q: %v", l, err)
	}
	return pairs, fds, heap
}

// Many idle pairs at once (MIO_PROXY_PAIRS, 200 by default; 10000 with
// make proxybench-idle): the clients here, the proxy and the upstream echo
// each a process of its own, so that the proxy alone needs two descriptors
// a pair. Where one process may not hold that many (a hard ulimit -n below
// 2*MIO_PROXY_PAIRS plus its own few), the pairs are spread over as many
// proxy processes as it takes, sharing one address with -reuseport, as a
// deployment under such a limit would. Every byte of a message each way is
// checked, before and after the pairs idle; an idle pair holds its two
// sockets and nothing more (the pipe pool is bounded: at most -max-pipes
// pipes); the heap a proxy needs per idle pair is logged, and held to 4 KiB.
func TestProxyIdlePairs(t *testing.T) {
	n := 200
	if s := os.Getenv("MIO_PROXY_PAIRS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	const maxPipes = 8
	own := 2*maxPipes + 48 // a proxy's pool and its own few
	if lim.Max < uint64(n+64) || lim.Max < uint64(own+64) {
		t.Skipf("%d pairs need ulimit -n %d here for the clients (the hard limit is %d)", n, n+64, lim.Max)
	}
	// The kernel spreads clients over the processes by a hash of their
	// addresses: a tenth more than an even share leaves room for that.
	perProc := (int(lim.Max) - own) / 2
	procs := (n + n/10 + perProc - 1) / perProc
	if procs > 1 {
		t.Logf("the hard limit of %d descriptors holds %d pairs a process: %d proxies share the address", lim.Max, perProc, procs)
	}
	up := startEcho(t)
	var proxies []*child
	args := []string{"-upstream", up, "-max-pipes", strconv.Itoa(maxPipes), "-reuseport"}
	for range procs {
		c := startChild(t, int(min(lim.Max, uint64(2*n+own))), args...)
		if len(proxies) == 0 {
			args = append(args, "-listen", c.addr) // the rest share its port
		}
		proxies = append(proxies, c)
	}
	addr := proxies[0].addr
	fds0, heap0 := make([]int, procs), 0
	for i, c := range proxies {
		var heap int
		_, fds0[i], heap = c.stats(t)
		heap0 += heap
	}
	conns := make([]net.Conn, n)
	msg := func(i, round int) string {
		return fmt.Sprintf("pair %d round %d %s", i, round, strings.Repeat("x", i%97))
	}
	// A bulk message through a few pairs first, so that the pools have
	// opened pipes: the count below then includes them.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("pair %d: %v", i, err)
		}
		conns[i] = conn
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(120 * time.Second))
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			m := msg(i, 0)
			if i < maxPipes*procs {
				m = strings.Repeat(m, 64<<10/len(m)+1)
			}
			if err := roundTrip(conn, m); err != nil {
				t.Errorf("pair %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	total, heap := 0, 0
	for i, c := range proxies {
		pairs, fds, h := c.stats(t)
		total += pairs
		heap += h
		t.Logf("proxy %d: %d idle pairs, %d descriptors (%d before the first), heap %d bytes", i, pairs, fds, fds0[i], h)
		if extra := fds - fds0[i] - 2*pairs; extra > 2*maxPipes {
			t.Errorf("proxy %d: %d descriptors for %d idle pairs: %d beyond two each and the pool's %d", i, fds-fds0[i], pairs, extra, 2*maxPipes)
		}
	}
	if total != n {
		t.Fatalf("%d pairs open in the proxies, want %d", total, n)
	}
	perPair := float64(heap-heap0) / float64(n)
	t.Logf("%d idle pairs in %d processes: heap %d bytes (%.0f per pair)", n, procs, heap, perPair)
	if perPair > 4096 {
		t.Errorf("%.0f bytes of heap per idle pair, want at most 4 KiB", perPair)
	}
	for i, conn := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := roundTrip(conn, msg(i, 1)); err != nil {
				t.Errorf("pair %d after idling: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// A restart with -reuseport refuses nobody: a second proxy starts on the
// first one's address, the first is told to stop, and from then on every
// new client is served (by the second) while the first one's pairs go on
// through its drain; the first exits cleanly once they have finished.
func TestProxyReusePortRestart(t *testing.T) {
	up := startEcho(t)
	old := startChild(t, 0, "-upstream", up, "-reuseport")
	var pairs []net.Conn
	for i := range 8 {
		c := dialProxy(t, old.addr)
		if err := roundTrip(c, "before the restart "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, c)
	}
	next := startChild(t, 0, "-upstream", up, "-reuseport", "-listen", old.addr)
	if next.addr != old.addr {
		t.Fatalf("the new proxy listens on %s, the old on %s", next.addr, old.addr)
	}
	old.cmd.Process.Signal(syscall.SIGTERM)
	// The old proxy's pairs were all accepted before the signal, so its
	// drain has at least them: the log line comes after its listener closed.
	old.waitLog(t, "draining ")
	for i := range 32 {
		c := dialProxy(t, old.addr)
		if err := roundTrip(c, "after the restart "+strconv.Itoa(i)); err != nil {
			t.Fatalf("client %d after the old proxy stopped accepting: %v", i, err)
		}
		c.Close()
	}
	if n, _, _ := old.stats(t); n != len(pairs) {
		t.Fatalf("the old proxy holds %d pairs in its drain, want its %d: it accepted after it stopped", n, len(pairs))
	}
	for i, c := range pairs {
		if err := roundTrip(c, "during the drain "+strconv.Itoa(i)); err != nil {
			t.Fatalf("pair %d of the old proxy in its drain: %v", i, err)
		}
		c.(*net.TCPConn).CloseWrite()
		waitClosed(t, c, "a pair of the old proxy finishing")
	}
	if err := old.exit(); err != nil {
		t.Fatalf("old proxy after its drain: %v", err)
	}
}

// With -loops 2 (SO_REUSEPORT, Linux), every loop serves, drains on SIGTERM
// with its pairs going on, and serve returns once they have all finished.
func TestProxyLoopsDrain(t *testing.T) {
	addr, stop, done := startLoops(t, baseConfig(t), 2)
	var conns []net.Conn
	for i := range 16 {
		c := dialProxy(t, addr)
		if err := roundTrip(c, "before "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	stop <- syscall.SIGTERM
	waitRefused(t, addr)
	for _, c := range conns {
		if err := roundTrip(c, "during the drain"); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		waitClosed(t, c, "a pair finishing in the drain")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// An upstream that never answers the connect (its accept queue full, so
// the kernel drops the SYNs) costs the client -connect-timeout, then the
// client is closed and the timeout logged.
func TestProxyConnectTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	up := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(sa.(*syscall.SockaddrInet4).Port))
	// Fill the queue: connects complete until it is full, then hang.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", up.String(), 200*time.Millisecond)
		if err != nil {
			break
		}
		defer c.Close()
		if i == 100 {
			t.Skip("the upstream's accept queue never filled")
		}
	}
	cfg := baseConfig(t)
	cfg.upstream = up
	cfg.connectTimeout = 200 * time.Millisecond
	addr, out := startLogged(t, cfg)
	waitClosed(t, dialProxy(t, addr), "a client whose upstream never connects")
	if out.lines("did not connect within") == 0 {
		t.Error("the connect timeout was not logged")
	}
}
