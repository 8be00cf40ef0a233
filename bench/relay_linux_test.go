//go:build linux

package bench

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/unix"
)

// BenchmarkRelay moves streams from TCP connections to others, the inner
// loop of a proxy: one stream, and sixteen at once (the case an event loop
// is for). The traffic comes from, and goes back to, a peer process (this
// test binary re-executed), so that the process CPU time per MB is the
// relay's own:
//
//	impl=relay  mnet.Relay: splice through a pipe, one Poll for all streams
//	impl=copy   Read / Write through a 64 KiB buffer, one Poll for all streams
//	impl=std    io.CopyN between std *net.TCPConn (which splices too), a
//	            goroutine per stream
func BenchmarkRelay(b *testing.B) {
	const chunk = 8 << 20 // bytes moved per iteration, all streams together
	for _, streams := range []int{1, 16} {
		for _, impl := range []string{"relay", "copy", "std"} {
			b.Run(fmt.Sprintf("impl=%s/streams=%d", impl, streams), func(b *testing.B) {
				srcs, dsts := peerStreams(b, streams)
				var move func(n int64)
				if impl == "std" {
					move = stdMover(b, srcs, dsts)
				} else {
					move = pollMover(b, impl == "relay", srcs, dsts)
				}
				b.SetBytes(chunk)
				start := cpuTime()
				for b.Loop() {
					move(chunk)
				}
				mb := float64(b.N) * chunk / (1 << 20)
				b.ReportMetric(float64((cpuTime()-start).Microseconds())/mb, "cpu-us/MB")
			})
		}
	}
}

// peerEnv gives the peer process its task, "in out n": it makes n
// connections to each address, writes endlessly to those to in and reads
// endlessly from those to out.
const peerEnv = "MIO_BENCH_RELAY_PEER"

func runPeer(task []string) {
	n, _ := strconv.Atoi(task[2])
	for range n {
		in, err := net.Dial("tcp", task[0])
		if err != nil {
			os.Exit(1)
		}
		out, err := net.Dial("tcp", task[1])
		if err != nil {
			os.Exit(1)
		}
		go io.Copy(io.Discard, struct{ io.Reader }{out})
		go func() {
			buf := make([]byte, 256<<10)
			for {
				if _, err := in.Write(buf); err != nil {
					os.Exit(0)
				}
			}
		}()
	}
	select {}
}

// peerStreams starts the peer process with n connections each way and
// returns the streams it writes to (srcs) and those it reads from (dsts).
func peerStreams(b *testing.B, n int) (srcs, dsts []*mnet.TCPStream) {
	var ls [2]*mnet.TCPListener
	var addrs [2]string
	for i := range ls {
		l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		a, _ := l.LocalAddr()
		ls[i], addrs[i] = l, a.String()
	}
	cmd := besideCommand(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", peerEnv, addrs[0], addrs[1], n))
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var got [2][]*mnet.TCPStream
	for i, l := range ls {
		for deadline := time.Now().Add(10 * time.Second); len(got[i]) < n; {
			s, _, err := l.Accept()
			switch {
			case err == nil:
				got[i] = append(got[i], s)
				b.Cleanup(func() { s.Close() })
			case !errors.Is(err, mio.ErrWouldBlock):
				b.Fatal(err)
			case time.Now().After(deadline):
				b.Fatal("the peer process did not connect")
			default:
				time.Sleep(time.Millisecond)
			}
		}
	}
	return got[0], got[1]
}

// stdMover moves n bytes in all with io.CopyN, a goroutine per stream.
func stdMover(b *testing.B, srcs, dsts []*mnet.TCPStream) func(int64) {
	type pair struct{ src, dst *net.TCPConn }
	pairs := make([]pair, len(srcs))
	for i := range srcs {
		pairs[i] = pair{stdConn(b, srcs[i]), stdConn(b, dsts[i])}
	}
	return func(n int64) {
		var wg sync.WaitGroup
		for _, p := range pairs {
			wg.Go(func() {
				if _, err := io.CopyN(p.dst, p.src, n/int64(len(pairs))); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
}

// stdConn turns a mio stream back into a std connection (a duplicate).
func stdConn(b *testing.B, s *mnet.TCPStream) *net.TCPConn {
	rc, err := s.SyscallConn()
	if err != nil {
		b.Fatal(err)
	}
	var c net.Conn
	rc.Control(func(fd uintptr) {
		nfd, _ := unix.Dup(int(fd))
		f := newFile(nfd)
		c, err = net.FileConn(f)
		f.Close()
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// relayed is one stream of a pollMover: srcs[i] to dsts[i], through a
// Relay or a buffer.
type relayed struct {
	src, dst  *mnet.TCPStream
	relay     *mnet.Relay
	buf       []byte
	pending   []byte
	listening bool // src is registered for Readable
}

// pollMover moves n bytes in all from each srcs[i] to dsts[i] on one Poll,
// with a Relay or a read/write buffer per stream, pumping the streams that
// have events. A stream stops listening to its src while bytes wait for its
// dst, as a proxy with back-pressure does: otherwise every arrival on src
// wakes the loop for nothing while dst is full (ten times the wake-ups,
// measured).
func pollMover(b *testing.B, splice bool, srcs, dsts []*mnet.TCPStream) func(int64) {
	p, err := mio.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	r := p.Registry()
	streams := make([]*relayed, len(srcs))
	for i := range srcs {
		s := &relayed{src: srcs[i], dst: dsts[i], listening: true}
		if splice {
			if s.relay, err = mnet.NewRelay(s.dst, s.src); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.relay.Close() })
		} else {
			s.buf = make([]byte, 64<<10)
		}
		if err := r.Register(s.src, mio.Token(2*i), mio.Readable); err != nil {
			b.Fatal(err)
		}
		if err := r.Register(s.dst, mio.Token(2*i+1), mio.Writable); err != nil {
			b.Fatal(err)
		}
		streams[i] = s
	}
	ev := mio.NewEvents(2 * len(streams))
	ready := make([]bool, len(streams))
	// A Pump or a write may go past n; what it moved beyond counts for the
	// next call, or the relay would be charged for bytes nobody counted.
	var ahead int64
	return func(n int64) {
		moved := ahead
		defer func() { ahead = moved - n }()
		for moved < n {
			if err := p.Poll(ev, -1); err != nil {
				b.Fatal(err)
			}
			for e := range ev.Drain() {
				ready[e.Token()/2] = true
			}
			for i, s := range streams {
				if ready[i] {
					ready[i] = false
					moved += s.move(b, r, mio.Token(2*i))
				}
			}
		}
	}
}

// move moves what it can, then listens to src only if dst took it all.
func (s *relayed) move(b *testing.B, r *mio.Registry, srcToken mio.Token) (moved int64) {
	if s.relay != nil {
		m, err := s.relay.Pump()
		if err != nil && !errors.Is(err, mio.ErrWouldBlock) {
			b.Fatal(err)
		}
		moved = m
	} else {
		for {
			if len(s.pending) == 0 {
				n, err := s.src.Read(s.buf)
				if errors.Is(err, mio.ErrWouldBlock) {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				s.pending = s.buf[:n]
			}
			w, err := s.dst.Write(s.pending)
			if errors.Is(err, mio.ErrWouldBlock) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			s.pending = s.pending[w:]
			moved += int64(w)
		}
	}
	if full := len(s.pending) > 0 || (s.relay != nil && s.relay.Buffered() > 0); full == s.listening {
		var err error
		if full {
			err = r.Deregister(s.src)
		} else {
			err = r.Register(s.src, srcToken, mio.Readable)
		}
		if err != nil {
			b.Fatal(err)
		}
		s.listening = !full
	}
	return moved
}
