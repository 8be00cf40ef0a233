//go:build unix || windows

package main

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// connectedStream connects a stream of this package's kind to a std
// listener and returns both ends, the stream registered with r.
func connectedStream(t *testing.T, r *mio.Registry, tok mio.Token) (*mnet.TCPStream, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, err := mnet.ConnectTCP(netip.MustParseAddrPort(ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := r.Register(s, tok, mio.Readable|mio.Writable); err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	return s, peer
}

// The copying direction (the proxy's mover where there is no mnet.Relay)
// holds a buffer only while bytes wait in it: after a transfer larger than
// the destination's socket buffers, with back-pressure on the way, every
// byte arrives in order and the idle direction has given its buffer back.
func TestDirectionHoldsNoBufferWhenIdle(t *testing.T) {
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	src, writer := connectedStream(t, p.Registry(), 1)
	dst, reader := connectedStream(t, p.Registry(), 2)
	var pool buffers
	d := &direction{src: src, dst: dst, buffers: &pool}
	defer d.close()

	// More than the destination's send and its reader's receive buffers
	// hold, and the reader starts only once the direction is pushed back.
	want := bytes.Repeat([]byte("0123456789abcdef"), 32<<20/16)
	go func() {
		writer.Write(want)
		writer.(*net.TCPConn).CloseWrite()
	}()
	got, pushedBack := make(chan []byte, 1), make(chan struct{})
	go func() {
		<-pushedBack
		b, _ := io.ReadAll(reader)
		got <- b
	}()
	events := mio.NewEvents(8)
	deadline := time.Now().Add(60 * time.Second)
	sawHeld := false
	for finished := false; !finished; {
		if time.Now().After(deadline) {
			t.Fatal("the transfer did not finish")
		}
		if err := p.Poll(events, time.Second); err != nil {
			t.Fatal(err)
		}
		events.Clear()
		if finished, err = d.pump(srcEdge); err != nil {
			t.Fatal(err)
		}
		if d.full() && !sawHeld {
			sawHeld = true
			close(pushedBack)
		}
		if d.buf != nil && !d.full() {
			t.Fatal("a direction with nothing waiting holds a buffer")
		}
	}
	if !sawHeld {
		t.Fatal("the destination never pushed back: the test did not see a buffer held")
	}
	reader.(*net.TCPConn).SetReadDeadline(time.Now().Add(30 * time.Second))
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("%d bytes arrived, want the %d sent, in order", len(b), len(want))
	}
	if d.buf != nil || len(pool.idle) != 1 {
		t.Fatalf("after the transfer the direction holds a buffer (%v), the pool %d idle; want none held, one idle", d.buf != nil, len(pool.idle))
	}
}
