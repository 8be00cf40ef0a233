// Command wasirun runs a wasip1 program under wazero, as go test's -exec
// runner: make test-wasip1 runs
//
//	GOOS=wasip1 GOARCH=wasm go test -exec "$(go env GOPATH)/bin/wasirun" ./...
//
// with the binary built from this directory (a module of its own, so that
// users of mio never download wazero). It is given the .wasm file and its
// arguments, and gives the program what a test needs of its host:
//
//   - the host's file system mounted at / and PWD set to the working
//     directory (Go's wasip1 port takes its working directory from PWD), so
//     that tests read their testdata and write to t.TempDir;
//   - the environment, standard input, output and error, the clocks, real
//     sleeps and crypto/rand;
//   - two pre-opened TCP listeners on 127.0.0.1, since WASI Preview 1 can
//     accept connections but neither listen nor connect. The program learns
//     their descriptors and addresses from the environment:
//     MIO_WASI_ECHO_FD and MIO_WASI_ECHO_ADDR name a listener to which the
//     runner keeps connections pending (two ahead of those the program has
//     used), each an echo peer: it sends back every byte it reads and, once
//     the program shuts its writing down, shuts its own down after the
//     echo; MIO_WASI_IDLE_FD and MIO_WASI_IDLE_ADDR name one to which nobody
//     ever connects.
//
// The exit status is the program's.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental/sock"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wasirun program.wasm [args...]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

// preopenedDirs is how many directories the module config mounts: the
// listeners come after them, from descriptor 3 + preopenedDirs on.
const preopenedDirs = 1

func run(wasmPath string, args []string) int {
	bin, err := os.ReadFile(wasmPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasirun:", err)
		return 1
	}
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasirun:", err)
		return 1
	}
	ctx := context.Background()
	rc := wazero.NewRuntimeConfig()
	if dir, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(dir, "mio-wasirun")
		pruneCache(dir, cacheAge)
		if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			rc = rc.WithCompilationCache(cache)
		}
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	defer rt.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.CompileModule(ctx, bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasirun: compile:", err)
		return 1
	}

	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{filepath.Base(wasmPath)}, args...)...).
		WithStdin(os.Stdin).
		WithStdout(os.Stdout).
		WithStderr(os.Stderr).
		WithFSConfig(wazero.NewFSConfig().WithDirMount("/", "/")).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PWD", "MIO_WASI_ECHO_FD", "MIO_WASI_ECHO_ADDR", "MIO_WASI_IDLE_FD", "MIO_WASI_IDLE_ADDR":
			continue
		}
		cfg = cfg.WithEnv(k, v)
	}
	cfg = cfg.WithEnv("PWD", wd)

	inst, echoAddr, err := instantiate(ctx, rt, mod, cfg, freePort)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasirun:", err)
		return 1
	}
	defer inst.Close(ctx)
	peers := startEchoPeers(echoAddr)
	defer peers.stop()
	start := inst.ExportedFunction("_start")
	if start == nil {
		fmt.Fprintln(os.Stderr, "wasirun: the program exports no _start")
		return 1
	}
	_, err = start.Call(ctx)
	var exit *sys.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return int(exit.ExitCode())
	}
	fmt.Fprintln(os.Stderr, "wasirun:", err)
	return 1
}

// listenAttempts is how many pairs of ports instantiate tries.
const listenAttempts = 10

// instantiate instantiates mod with cfg and the two pre-opened listeners,
// on ports of 127.0.0.1 that pick returns, and the environment that names
// them; it does not start the program (cfg's start functions are
// cleared), so that the echo peers dial a listener that exists and a
// failed bind is told from the program's own errors. It returns the module
// and the echo listener's address.
//
// wazero takes a port for each listener and reports none it picked (it
// listens during instantiation, and the program can ask for no address:
// WASI Preview 1 has no getsockname), so pick finds a port that is free at
// the time and wazero binds it a moment later; another process may bind it
// meanwhile (go test runs packages in parallel, each with its runner). A
// bind that fails with EADDRINUSE is thus retried with new ports, up to
// listenAttempts times.
func instantiate(ctx context.Context, rt wazero.Runtime, mod wazero.CompiledModule, cfg wazero.ModuleConfig, pick func() (int, error)) (api.Module, string, error) {
	var err error
	for range listenAttempts {
		var echoPort, idlePort int
		if echoPort, err = pick(); err != nil {
			return nil, "", err
		}
		if idlePort, err = pick(); err != nil {
			return nil, "", err
		}
		echoAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(echoPort))
		idleAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(idlePort))
		sctx := sock.WithConfig(ctx, sock.NewConfig().
			WithTCPListener("127.0.0.1", echoPort).
			WithTCPListener("127.0.0.1", idlePort))
		var inst api.Module
		inst, err = rt.InstantiateModule(sctx, mod, cfg.
			WithStartFunctions().
			WithEnv("MIO_WASI_ECHO_FD", strconv.Itoa(3+preopenedDirs)).
			WithEnv("MIO_WASI_ECHO_ADDR", echoAddr).
			WithEnv("MIO_WASI_IDLE_FD", strconv.Itoa(3+preopenedDirs+1)).
			WithEnv("MIO_WASI_IDLE_ADDR", idleAddr))
		if err == nil {
			return inst, echoAddr, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("listen for the pre-opened sockets (%d attempts): %w", listenAttempts, err)
}

// cacheAge is how long a compiled binary stays in the cache. Every change
// to a package makes a new test binary, about 20 MB compiled, so the cache
// forgets what was compiled more than a day ago (a binary still in use is
// compiled again, once).
const cacheAge = 24 * time.Hour

// pruneCache removes the files under dir written more than age ago.
func pruneCache(dir string, age time.Duration) {
	old := time.Now().Add(-age)
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().Before(old) {
			os.Remove(path)
		}
		return nil
	})
}

// freePort returns a port of 127.0.0.1 that was free a moment ago, for
// wazero to listen on (see instantiate).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// echoPeers keeps connections pending to the echo listener, each serving
// as an echo peer.
type echoPeers struct {
	addr string
	more chan struct{} // one token per connection to dial
	done chan struct{}

	dial  func(network, addr string) (net.Conn, error) // net.Dial
	after func(d time.Duration) <-chan time.Time       // time.After
}

// pendingAhead is how many dialled connections wait beyond those the
// program has used, so that a test may accept two at once.
const pendingAhead = 2

// The dialer's back-off after a failed dial: it starts at minRedial and
// doubles up to maxRedial.
const (
	minRedial = time.Millisecond
	maxRedial = 100 * time.Millisecond
)

func newEchoPeers(addr string) *echoPeers {
	p := &echoPeers{addr: addr, more: make(chan struct{}, 1024), done: make(chan struct{}),
		dial: net.Dial, after: time.After}
	for range pendingAhead {
		p.more <- struct{}{}
	}
	return p
}

func startEchoPeers(addr string) *echoPeers {
	p := newEchoPeers(addr)
	go p.dialer()
	return p
}

// dialer dials a connection per token. The listener exists before the
// program starts, so a dial should not fail; one that does (the backlog is
// full, the program has closed the listener) is retried after a back-off,
// until stop.
func (p *echoPeers) dialer() {
	for {
		select {
		case <-p.done:
			return
		case <-p.more:
		}
		for wait := minRedial; ; wait = min(2*wait, maxRedial) {
			c, err := p.dial("tcp", p.addr)
			if err == nil {
				go p.echo(c.(*net.TCPConn))
				break
			}
			select {
			case <-p.done:
				return
			case <-p.after(wait):
			}
		}
	}
}

// echo sends back what it reads; the first byte or the end of the stream
// says the program has accepted the connection, and another is dialled.
func (p *echoPeers) echo(c *net.TCPConn) {
	buf := make([]byte, 64<<10)
	used := false
	for {
		n, err := c.Read(buf)
		if !used && (n > 0 || err != nil) {
			used = true
			p.more <- struct{}{}
		}
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err == io.EOF {
			c.CloseWrite()
			break
		}
		if err != nil {
			break
		}
	}
	// Keep the socket until the program closes its end, so that it reads
	// the whole echo and the end of the stream, not a reset.
	io.Copy(io.Discard, c)
	c.Close()
}

// stop ends the dialling; the connections end with the process.
func (p *echoPeers) stop() { close(p.done) }
