//go:build linux

package bench

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"unsafe"

	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/unix"
)

// The 1-byte socket benchmarks use an AF_UNIX stream socketpair, so that the
// kernel's work is as small as it gets and the library's own cost shows.
//
//	impl=mio   UnixStream.Read / Write: the raw non-blocking path
//	impl=raw   syscall.RawSyscall(SYS_READ / SYS_SENDTO): the floor
//	impl=xsys  unix.Read / unix.Write (announced to the scheduler)
//	impl=std   net.UnixConn from the same descriptor (Go's netpoller)

// Bytes are queued for reads, and drained after writes, in batches outside
// the timer. A 1-byte write costs the socket buffer a whole skb, so writes
// are drained far more often than reads are refilled.
const (
	refill     = 64 << 10
	drainEvery = 256
)

// fillPeer keeps fd's peer queue stocked so that every timed read finds a byte.
type stock struct {
	b    *testing.B
	peer int
	left int
	buf  []byte
}

func (s *stock) take() {
	if s.left > 0 {
		s.left--
		return
	}
	s.b.StopTimer()
	n, err := unix.Write(s.peer, s.buf)
	if err != nil {
		s.b.Fatal(err)
	}
	s.left = n - 1
	s.b.StartTimer()
}

func (s *stock) put() {
	if s.left > 0 {
		s.left--
		return
	}
	s.b.StopTimer()
	for {
		if _, err := unix.Read(s.peer, s.buf); err != nil {
			break
		}
	}
	s.left = drainEvery - 1
	s.b.StartTimer()
}

func pair(b *testing.B) (*mnet.UnixStream, int, int) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, fd := range fds {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	}
	dup, err := unix.Dup(fds[0])
	if err != nil {
		b.Fatal(err)
	}
	f := os.NewFile(uintptr(dup), "pair")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(); unix.Close(fds[1]) })
	// The mio stream owns fds[0]; the std conn reads a duplicate of it.
	s := ownStream(b, fds[0])
	stdFd = c.(*net.UnixConn)
	return s, fds[0], fds[1]
}

var stdFd *net.UnixConn

func ownStream(b *testing.B, fd int) *mnet.UnixStream {
	f := os.NewFile(uintptr(fd), "own")
	c, err := net.FileConn(f) // FileConn dups; the original is closed below
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	s, err := mnet.UnixStreamFromStd(c.(*net.UnixConn))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkRead1(b *testing.B) {
	impls := []struct {
		name string
		read func(s *mnet.UnixStream, fd int, p []byte) (int, error)
	}{
		{"mio", func(s *mnet.UnixStream, _ int, p []byte) (int, error) { return s.Read(p) }},
		{"raw", func(_ *mnet.UnixStream, fd int, p []byte) (int, error) {
			n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			if e != 0 {
				return 0, e
			}
			return int(n), nil
		}},
		{"xsys", func(_ *mnet.UnixStream, fd int, p []byte) (int, error) { return unix.Read(fd, p) }},
		{"std", func(_ *mnet.UnixStream, _ int, p []byte) (int, error) { return stdFd.Read(p) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			s, _, peer := pair(b)
			fd := s.Fd()
			st := &stock{b: b, peer: peer, buf: make([]byte, refill)}
			p := make([]byte, 1)
			b.ReportAllocs()
			for b.Loop() {
				st.take()
				if n, err := impl.read(s, fd, p); n != 1 || err != nil {
					b.Fatalf("(%d, %v)", n, err)
				}
			}
		})
	}
}

func BenchmarkWrite1(b *testing.B) {
	impls := []struct {
		name  string
		write func(s *mnet.UnixStream, fd int, p []byte) (int, error)
	}{
		{"mio", func(s *mnet.UnixStream, _ int, p []byte) (int, error) { return s.Write(p) }},
		{"raw", func(_ *mnet.UnixStream, fd int, p []byte) (int, error) {
			n, _, e := syscall.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
			if e != 0 {
				return 0, e
			}
			return int(n), nil
		}},
		{"xsys", func(_ *mnet.UnixStream, fd int, p []byte) (int, error) { return unix.Write(fd, p) }},
		{"std", func(_ *mnet.UnixStream, _ int, p []byte) (int, error) { return stdFd.Write(p) }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			s, _, peer := pair(b)
			fd := s.Fd()
			st := &stock{b: b, peer: peer, buf: make([]byte, refill), left: drainEvery}
			p := []byte{'x'}
			b.ReportAllocs()
			for b.Loop() {
				st.put()
				if n, err := impl.write(s, fd, p); n != 1 || err != nil {
					b.Fatalf("(%d, %v)", n, err)
				}
			}
		})
	}
}

// BenchmarkAccept accepts one connection per iteration; connecting and
// closing are outside the timer.
func BenchmarkAccept(b *testing.B) {
	for _, impl := range []string{"mio", "xsys", "std"} {
		b.Run("impl="+impl, func(b *testing.B) {
			l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			addr, _ := l.LocalAddr()
			sa := &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
			var stdL *net.TCPListener
			if impl == "std" {
				stdL, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
				if err != nil {
					b.Fatal(err)
				}
				defer stdL.Close()
				a := stdL.Addr().(*net.TCPAddr)
				sa = &unix.SockaddrInet4{Port: a.Port, Addr: [4]byte{127, 0, 0, 1}}
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					b.Fatal(err)
				}
				unix.SetsockoptLinger(c, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1})
				if err := unix.Connect(c, sa); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				var closeAccepted func() error
				switch impl {
				case "mio":
					s, _, err := l.Accept()
					if err != nil {
						b.Fatal(err)
					}
					closeAccepted = s.Close
				case "xsys":
					nfd, _, err := unix.Accept4(l.Fd(), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
					if err != nil {
						b.Fatal(err)
					}
					closeAccepted = func() error { return unix.Close(nfd) }
				case "std":
					s, err := stdL.Accept()
					if err != nil {
						b.Fatal(err)
					}
					closeAccepted = s.Close
				}
				b.StopTimer()
				// The client resets first, so that no TIME_WAIT pins its port.
				unix.Close(c)
				closeAccepted()
				b.StartTimer()
			}
		})
	}
}

func newFile(fd int) *os.File { return os.NewFile(uintptr(fd), "dup") }
