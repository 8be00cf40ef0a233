//go:build linux

package net_test

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"testing"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

func TestListenTCPReusePortSpreadsConnections(t *testing.T) {
	a := closer(t, must2(mnet.ListenTCPReusePort(any4))(t))
	addr, err := a.LocalAddr()
	must(t, err)
	b := closer(t, must2(mnet.ListenTCPReusePort(addr))(t))
	if _, err := mnet.ListenTCP(addr); err == nil {
		t.Fatal("a listener without SO_REUSEPORT must not share the port")
	}
	p := newPoll(t)
	must(t, p.Registry().Register(a, 1, mio.Readable))
	must(t, p.Registry().Register(b, 2, mio.Readable))
	accepted := map[mio.Token]int{}
	for i := 0; i < 200 && (accepted[1] == 0 || accepted[2] == 0); i++ {
		c := must2(mnet.ConnectTCP(addr))(t)
		ev := mio.NewEvents(4)
		for ev.IsEmpty() {
			must(t, p.Poll(ev, -1))
		}
		ev.Clear()
		for tok, l := range map[mio.Token]*mnet.TCPListener{1: a, 2: b} {
			for {
				s, _, err := l.Accept()
				if err != nil {
					break
				}
				s.Close()
				accepted[tok]++
			}
		}
		c.Close()
	}
	if accepted[1] == 0 || accepted[2] == 0 {
		t.Fatalf("connections per listener: %v; the kernel should spread them", accepted)
	}
}

func TestUDPBatches(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b, aAddr, bAddr := udpPair(t, addr)
		if n, err := a.SendBatch(nil); n != 0 || err != nil {
			t.Fatalf("empty batch: %d, %v", n, err)
		}
		out := make([]mnet.Message, 32)
		for i := range out {
			out[i] = mnet.Message{Buf: bytes.Repeat([]byte{byte(i)}, i), Addr: bAddr}
		}
		// sendmmsg may send part of a batch (qemu-user's stops after a few
		// datagrams); the caller sends the rest, as here.
		for sent := 0; sent < len(out); {
			n, err := a.SendBatch(out[sent:])
			if err != nil || n <= 0 {
				t.Fatalf("SendBatch after %d of %d: %d, %v", sent, len(out), n, err)
			}
			sent += n
		}
		for i, m := range out {
			if m.N != i {
				t.Fatalf("message %d: N = %d", i, m.N)
			}
		}
		p := newPoll(t)
		must(t, p.Registry().Register(b, 1, mio.Readable))
		waitFor(t, p, 1, readable)
		in := make([]mnet.Message, 64)
		for i := range in {
			in[i].Buf = make([]byte, 64)
		}
		got := 0
		for got < len(out) {
			n, err := b.RecvBatch(in[:len(out)-got])
			if errors.Is(err, mio.ErrWouldBlock) {
				waitFor(t, p, 1, readable)
				continue
			}
			must(t, err)
			for _, m := range in[:n] {
				want := out[got].Buf
				if m.N != len(want) || !bytes.Equal(m.Buf[:m.N], want) || m.Addr != aAddr {
					t.Fatalf("datagram %d: %d bytes from %v, want %d from %v", got, m.N, m.Addr, len(want), aAddr)
				}
				got++
			}
		}
		if _, err := b.RecvBatch(in); !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("empty socket: %v", err)
		}
		// The zero address means the connected peer.
		must(t, a.Connect(bAddr))
		if n, err := a.SendBatch([]mnet.Message{{Buf: []byte("to peer")}}); n != 1 || err != nil {
			t.Fatalf("connected batch: %d, %v", n, err)
		}
		waitFor(t, p, 1, readable)
		if n, err := b.RecvBatch(in[:1]); n != 1 || err != nil || string(in[0].Buf[:in[0].N]) != "to peer" {
			t.Fatalf("RecvBatch: %d, %v", n, err)
		}
		allocs := testing.AllocsPerRun(50, func() {
			a.SendBatch(out[:4])
			b.RecvBatch(in[:4])
		})
		if allocs != 0 {
			t.Fatalf("%v allocations per batch round after warm-up", allocs)
		}
	})
}

// 32 MiB from a source stream to a destination stream through a Relay, with
// a reader that lags so that bytes wait in the pipe, then io.EOF.
func TestRelay32MiB(t *testing.T) {
	const size = 32 << 20
	srcPeer, src := tcpPair(t, any4) // srcPeer writes into src
	dst, dstPeer := tcpPair(t, any4) // dst delivers to dstPeer
	r, err := mnet.NewRelay(dst, src)
	must(t, err)
	defer r.Close()
	p := newPoll(t)
	must(t, p.Registry().Register(src, 1, mio.Readable))
	must(t, p.Registry().Register(dst, 2, mio.Writable))
	must(t, p.Registry().Register(srcPeer, 3, mio.Writable))
	must(t, p.Registry().Register(dstPeer, 4, mio.Readable))
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i ^ i>>11)
	}
	sent, delivered := 0, int64(0)
	var received []byte
	buf := make([]byte, 256<<10)
	sawBuffered, sawEOF := false, false
	ev := mio.NewEvents(16)
	for !sawEOF || len(received) < size {
		must(t, p.Poll(ev, -1))
		for e := range ev.Drain() {
			switch e.Token() {
			case 3:
				for sent < size {
					n, err := srcPeer.Write(data[sent:min(size, sent+1<<20)])
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					must(t, err)
					sent += n
				}
				if sent == size {
					must(t, srcPeer.Shutdown(mnet.ShutdownWrite))
					sent++ // once
				}
			case 4:
				// Read at most 1 MiB per event: the destination lags.
				for read := 0; read < 1<<20; {
					n, err := dstPeer.Read(buf)
					if errors.Is(err, mio.ErrWouldBlock) || err == io.EOF {
						break
					}
					must(t, err)
					received = append(received, buf[:n]...)
					read += n
				}
			}
			n, err := r.Pump()
			delivered += n
			if r.Buffered() > 0 {
				sawBuffered = true
			}
			switch {
			case err == io.EOF:
				sawEOF = true
			case err != nil && !errors.Is(err, mio.ErrWouldBlock):
				t.Fatal(err)
			}
		}
		if len(received) < size {
			// Lagging reads may leave data behind without a new edge.
			for {
				n, err := dstPeer.Read(buf)
				if err != nil {
					break
				}
				received = append(received, buf[:n]...)
			}
		}
	}
	if delivered != size || !bytes.Equal(received, data) {
		t.Fatalf("delivered %d, received %d bytes (equal: %v)", delivered, len(received), bytes.Equal(received, data))
	}
	if !sawBuffered {
		t.Log("the pipe never held bytes: the destination never pushed back")
	}
	if n, err := r.Pump(); n != 0 || err != io.EOF {
		t.Fatalf("Pump after EOF: %d, %v", n, err)
	}
	must(t, r.Close())
	if err := r.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := mnet.NewRelay(nil, src); err == nil {
		t.Fatal("NewRelay with a nil stream must fail")
	}
}
