//go:build unix || windows

package main

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio"
	"github.com/gomio/mio/examples/echo/server"
	mnet "github.com/gomio/mio/net"
)

// startServer runs serve on a fresh port, on a goroutine locked to its
// thread (so that the signal-storm test can aim at the polling thread), and
// returns its address, that thread's id and a stop function that waits for
// the loop to end.
func startServer(t *testing.T) (netip.AddrPort, int, func()) {
	t.Helper()
	l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := l.LocalAddr()
	poll, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	waker, err := mio.NewWaker(poll.Registry(), server.WakerToken)
	if err != nil {
		t.Fatal(err)
	}
	tid := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		tid <- threadID()
		done <- server.Serve(poll, l)
	}()
	return addr, <-tid, func() {
		waker.Wake()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		waker.Close()
	}
}

// Twenty clients, fifty messages each of up to 100 KiB, every byte
// compared. A client fails when its echo stalls (stallTimeout without a
// byte), not when the whole run is slow.
func TestEchoManyClientsCheckBytes(t *testing.T) {
	ap, _, stop := startServer(t)
	addr := ap.String()
	defer stop()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			for round := range 50 {
				if err := exchange(c, randomMessage(r, 100<<10)); err != nil {
					t.Errorf("client %d round %d: %v", i, round, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A client that sends a lot without reading: the server must stop reading
// (back-pressure) instead of buffering, and deliver every byte once the
// client reads.
func TestEchoBackPressure(t *testing.T) {
	ap, _, stop := startServer(t)
	addr := ap.String()
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const size = 32 << 20
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte(i * 31)
	}
	// Nothing read yet: once the kernel's buffers both ways are full, the
	// server must stop reading, and the write stalls. A server that
	// buffered without bound would take all 32 MiB; the buffers hold a
	// few MiB.
	c.SetWriteDeadline(time.Now().Add(time.Second))
	n, err := c.Write(msg)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("writing %d bytes with none read back: %d written, %v; want a stalled write", size, n, err)
	}
	c.SetWriteDeadline(time.Time{})
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg[n:])
		werr <- err
	}()
	got := make([]byte, size)
	if err := readFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs")
	}
}

func TestEchoClientHalfCloseAndReset(t *testing.T) {
	ap, _, stop := startServer(t)
	addr := ap.String()
	defer stop()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("last words"))
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("after half-close: %q, %v", got, err)
	}
	c.Close()
	r, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r.(*net.TCPConn).SetLinger(0)
	r.Close() // reset: the server must drop it and keep serving
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(10 * time.Second))
	c2.Write([]byte("still there"))
	buf := make([]byte, 11)
	if _, err := io.ReadFull(c2, buf); err != nil || string(buf) != "still there" {
		t.Fatalf("%q %v", buf, err)
	}
}
