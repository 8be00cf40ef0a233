//go:build linux

package bench

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/unix"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRelay moves a stream from one TCP connection to another, the
// inner loop of a proxy. The traffic comes from, and goes back to, a peer
// process (this test binary re-executed), so that the process CPU time per
// MB is the relay's own:
//
//	impl=relay  mnet.Relay: splice through a pipe, driven by a Poll
//	impl=copy   Read / Write through a 64 KiB buffer, driven by a Poll
//	impl=std    io.CopyN between std *net.TCPConn (which splices too)
func BenchmarkRelay(b *testing.B) {
	const chunk = 8 << 20 // bytes moved per iteration
	for _, impl := range []string{"relay", "copy", "std"} {
		b.Run("impl="+impl, func(b *testing.B) {
			src, dst := peerStreams(b)
			var move func(n int64)
			switch impl {
			case "std":
				srcStd, dstStd := stdConn(b, src), stdConn(b, dst)
				move = func(n int64) {
					if _, err := io.CopyN(dstStd, srcStd, n); err != nil {
						b.Fatal(err)
					}
				}
			default:
				move = pollMover(b, impl == "relay", src, dst)
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

// peerEnv names the peer process's role: it writes endlessly to the first
// address and reads endlessly from the second.
const peerEnv = "MIO_BENCH_RELAY_PEER"

func TestMain(m *testing.M) {
	if addrs := os.Getenv(peerEnv); addrs != "" {
		runPeer(strings.Fields(addrs))
		return
	}
	if task := os.Getenv(echoClientEnv); task != "" {
		runEchoClient(task)
		return
	}
	os.Exit(m.Run())
}

func runPeer(addrs []string) {
	in, err := net.Dial("tcp", addrs[0])
	if err != nil {
		os.Exit(1)
	}
	out, err := net.Dial("tcp", addrs[1])
	if err != nil {
		os.Exit(1)
	}
	go io.Copy(io.Discard, struct{ io.Reader }{out})
	buf := make([]byte, 256<<10)
	for {
		if _, err := in.Write(buf); err != nil {
			os.Exit(0)
		}
	}
}

// peerStreams starts the peer process and returns the stream it writes to
// (src) and the stream it reads from (dst).
func peerStreams(b *testing.B) (src, dst *mnet.TCPStream) {
	var ls [2]*mnet.TCPListener
	var addrs []string
	for i := range ls {
		l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		a, _ := l.LocalAddr()
		ls[i], addrs = l, append(addrs, a.String())
	}
	cmd := besideCommand(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), peerEnv+"="+strings.Join(addrs, " "))
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var got [2]*mnet.TCPStream
	for i, l := range ls {
		for deadline := time.Now().Add(10 * time.Second); got[i] == nil; {
			s, _, err := l.Accept()
			switch {
			case err == nil:
				got[i] = s
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

// pollMover moves n bytes from src to dst on one Poll, with a Relay or with
// a read/write buffer. It stops listening to src while bytes wait for dst,
// as a proxy with back-pressure does: otherwise every arrival on src wakes
// the loop for nothing while dst is full (ten times the wake-ups, measured).
func pollMover(b *testing.B, splice bool, src, dst *mnet.TCPStream) func(int64) {
	p, err := mio.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	r := p.Registry()
	r.Register(src, 0, mio.Readable)
	r.Register(dst, 1, mio.Writable)
	listening := true
	ev := mio.NewEvents(8)
	var relay *mnet.Relay
	if splice {
		relay, err = mnet.NewRelay(dst, src)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { relay.Close() })
	}
	buf := make([]byte, 64<<10)
	var pending []byte
	return func(n int64) {
		for moved := int64(0); moved < n; {
			if splice {
				m, err := relay.Pump()
				moved += m
				if err != nil && !errors.Is(err, mio.ErrWouldBlock) {
					b.Fatal(err)
				}
			} else {
				for {
					if len(pending) == 0 {
						r, err := src.Read(buf)
						if errors.Is(err, mio.ErrWouldBlock) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						pending = buf[:r]
					}
					w, err := dst.Write(pending)
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					pending = pending[w:]
					moved += int64(w)
				}
			}
			if full := len(pending) > 0 || (splice && relay.Buffered() > 0); full == listening {
				if full {
					err = r.Deregister(src)
				} else {
					err = r.Register(src, 0, mio.Readable)
				}
				if err != nil {
					b.Fatal(err)
				}
				listening = !full
			}
			if moved < n {
				if err := p.Poll(ev, -1); err != nil {
					b.Fatal(err)
				}
				ev.Clear()
			}
		}
	}
}

// BenchmarkUDP sends and receives 32 datagrams of 64 bytes per iteration:
// impl=batch with one SendBatch and one RecvBatch, impl=single with 32
// SendTo and 32 RecvFrom. dgrams/s is the figure to compare.
func BenchmarkUDP(b *testing.B) {
	const batch = 32
	for _, impl := range []string{"batch", "single"} {
		b.Run("impl="+impl, func(b *testing.B) {
			a, err := mnet.BindUDP(netip.MustParseAddrPort("127.0.0.1:0"))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			r, err := mnet.BindUDP(netip.MustParseAddrPort("127.0.0.1:0"))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			to, _ := r.LocalAddr()
			payload := make([]byte, 64)
			out := make([]mnet.Message, batch)
			in := make([]mnet.Message, batch)
			for i := range out {
				out[i] = mnet.Message{Buf: payload, Addr: to}
				in[i].Buf = make([]byte, 64)
			}
			b.ReportAllocs()
			for b.Loop() {
				if impl == "batch" {
					if n, err := a.SendBatch(out); n != batch || err != nil {
						b.Fatalf("SendBatch (%d, %v)", n, err)
					}
					for got := 0; got < batch; {
						n, err := r.RecvBatch(in[:batch-got])
						if err != nil {
							b.Fatalf("RecvBatch (%d, %v)", n, err)
						}
						got += n
					}
					continue
				}
				for range batch {
					if _, err := a.SendTo(payload, to); err != nil {
						b.Fatal(err)
					}
				}
				for range batch {
					if _, _, err := r.RecvFrom(in[0].Buf); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)*batch/b.Elapsed().Seconds(), "dgrams/s")
		})
	}
}
