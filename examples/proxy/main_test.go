//go:build unix || windows

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// upstreamEcho is a std net echo server that half-closes after its client does.
func upstreamEcho(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Plain reads and writes: io.Copy between TCP connections would
				// splice through the runtime's cached pipes, which the
				// descriptor count would then see as leaks of the proxy.
				io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 32<<10))
				c.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

func startProxy(t *testing.T, upstream netip.AddrPort, copying bool) (string, func()) {
	t.Helper()
	cfg := &config{upstream: upstream, maxPipes: maxPipes(copying), connectTimeout: 10 * time.Second, drainTimeout: 10 * time.Second}
	addr, stop, done := startLoop(t, cfg)
	return addr, func() {
		stop <- syscall.SIGINT
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

// startLoop runs the proxy in this process, one loop, on a port of its
// own; a signal sent on stop stops it as one sent to the process would,
// and done says how run ended.
func startLoop(t *testing.T, cfg *config) (addr string, stop chan<- os.Signal, done <-chan error) {
	t.Helper()
	return startLoops(t, cfg, 1)
}

// startLoops is startLoop with the given number of loops.
func startLoops(t *testing.T, cfg *config, loops int) (addr string, stop chan<- os.Signal, done <-chan error) {
	t.Helper()
	px, err := start(netip.MustParseAddrPort("127.0.0.1:0"), loops, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sig := make(chan os.Signal, 2)
	end := make(chan error, 1)
	go func() { end <- px.serve(sig) }()
	return px.addr.String(), sig, end
}

// Both directions with half-close: the client sends, shuts its write half,
// and reads everything back followed by EOF, which only arrives if the
// proxy propagated the half-close both ways.
// modes runs f with the splice relay (the default) and with -copy.
func modes(t *testing.T, f func(t *testing.T, copying bool)) {
	t.Run("splice", func(t *testing.T) { f(t, false) })
	t.Run("copy", func(t *testing.T) { f(t, true) })
}

func TestProxyRelaysBothDirectionsWithHalfClose(t *testing.T) { modes(t, testHalfClose) }

func testHalfClose(t *testing.T, copying bool) {
	addr, stop := startProxy(t, upstreamEcho(t), copying)
	defer stop()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 2))
			msg := make([]byte, 1+r.IntN(4<<20))
			for j := range msg {
				msg[j] = byte(r.Uint32())
			}
			if err := echoWhole(addr, msg); err != nil {
				t.Errorf("client %d: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// echoWhole sends msg through the proxy at addr, shuts its write half, and
// checks that exactly msg comes back, then EOF.
func echoWhole(addr string, msg []byte) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("%d bytes back, want %d identical", len(got), len(msg))
	}
	return nil
}

// A client that sends a lot before it reads anything fills every buffer on
// the way: the upstream stops reading, the proxy stops listening to the
// client, and all of it must start again once the client reads. Four
// transfers, one after the other, because the hang this test found (a relay
// that waited for a writable edge after a short splice) came about once in
// ten.
func TestProxyResumesAfterBackPressure(t *testing.T) { modes(t, testBackPressure) }

func testBackPressure(t *testing.T, copying bool) {
	addr, stop := startProxy(t, upstreamEcho(t), copying)
	defer stop()
	for i := range 4 {
		if err := stallThenRead(addr); err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
	}
}

// stallThenRead writes to addr until the writes stall, then reads it all
// back and checks every byte.
func stallThenRead(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	// The writer sends 1 MiB chunks (byte i of the stream is i%251) until
	// told to stop; told, it sends four more and shuts its write half.
	const chunk = 1 << 20
	var sent atomic.Int64
	var stopWriting atomic.Bool
	wrote := make(chan error, 1)
	go func() {
		buf := make([]byte, chunk)
		for extra := 0; extra < 4; {
			for i := range buf {
				buf[i] = byte((sent.Load() + int64(i)) % 251)
			}
			if _, err := c.Write(buf); err != nil {
				wrote <- err
				return
			}
			sent.Add(chunk)
			if stopWriting.Load() {
				extra++
			}
		}
		wrote <- c.(*net.TCPConn).CloseWrite()
	}()
	// Nothing is read until the writer has been stuck for 200 ms: every
	// buffer on the way is full, and the proxy has stopped reading.
	for last, still := int64(-1), 0; still < 4; time.Sleep(50 * time.Millisecond) {
		if n := sent.Load(); n != last {
			last, still = n, 0
		} else {
			still++
		}
		if last > 1<<30 {
			return errors.New("1 GiB went out with nobody reading: no back-pressure")
		}
	}
	stopWriting.Store(true)
	buf := make([]byte, 256<<10)
	var got int64
	for {
		n, err := c.Read(buf)
		for i, b := range buf[:n] {
			if want := byte((got + int64(i)) % 251); b != want {
				return fmt.Errorf("byte %d is %d, want %d", got+int64(i), b, want)
			}
		}
		got += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("after %d bytes back: %w", got, err)
		}
	}
	if err := <-wrote; err != nil {
		return err
	}
	if got != sent.Load() {
		return fmt.Errorf("%d bytes back, want %d", got, sent.Load())
	}
	return nil
}

func TestProxyChurnLeaksNothing(t *testing.T) { modes(t, testChurn) }

func testChurn(t *testing.T, copying bool) {
	upstream := upstreamEcho(t)
	addr, stop := startProxy(t, upstream, copying)
	before := openFds(t)
	for i := range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if i%3 == 0 {
			c.(*net.TCPConn).SetLinger(0) // reset mid-way
			c.Write([]byte("x"))
			c.Close()
			continue
		}
		c.Write([]byte("ping"))
		c.(*net.TCPConn).CloseWrite()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "ping" {
			t.Fatalf("round %d: %q, %v", i, got, err)
		}
		c.Close()
	}
	// Pairs end asynchronously after the last client leaves; allow them to.
	deadline := time.Now().Add(10 * time.Second)
	for openFds(t) > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := openFds(t); after > before {
		logOpenFds(t)
		stop()
		t.Fatalf("%d descriptors open after churn, %d before", after, before)
	}
	stop()
}

func TestProxyUpstreamRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	addr, stop := startProxy(t, dead, false)
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err != nil && !isReset(err) {
		t.Fatalf("client of a refused upstream: %v, want EOF or reset", err)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// maxPipes is the -max-pipes of a test's proxy: none for -copy.
func maxPipes(copying bool) int {
	if copying {
		return 0
	}
	return 4
}
