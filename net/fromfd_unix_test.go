//go:build unix

package net_test

import (
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/testkit"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/unix"
)

// rawKinds makes descriptors of every kind the FromFd constructors tell
// apart, each blocking and inheritable as a foreign descriptor would be, so
// that any change an adoption makes to its flags shows.
var rawKinds = []struct {
	name string
	make func(t *testing.T) int
}{
	{"tcp4-listener", func(t *testing.T) int { return rawListener(t, unix.AF_INET) }},
	{"tcp6-listener", func(t *testing.T) int { return rawListener(t, unix.AF_INET6) }},
	{"tcp4-stream", func(t *testing.T) int { return rawSocket(t, unix.AF_INET, unix.SOCK_STREAM) }},
	{"tcp6-stream", func(t *testing.T) int { return rawSocket(t, unix.AF_INET6, unix.SOCK_STREAM) }},
	{"udp4", func(t *testing.T) int { return rawSocket(t, unix.AF_INET, unix.SOCK_DGRAM) }},
	{"udp6", func(t *testing.T) int { return rawSocket(t, unix.AF_INET6, unix.SOCK_DGRAM) }},
	{"unix-listener", func(t *testing.T) int { return rawUnixListener(t) }},
	{"unix-stream", func(t *testing.T) int { return rawPair(t, unix.SOCK_STREAM)[0] }},
	{"unix-datagram", func(t *testing.T) int { return rawPair(t, unix.SOCK_DGRAM)[0] }},
	{"unix-seqpacket", func(t *testing.T) int { return rawPair(t, unix.SOCK_SEQPACKET)[0] }},
	{"pipe", func(t *testing.T) int { return rawPipe(t)[0] }},
	{"file", func(t *testing.T) int { return rawFile(t) }},
}

// fromFdConstructors lists each constructor with the kinds it accepts.
var fromFdConstructors = []struct {
	name    string
	adopt   func(fd int) (mio.Source, error)
	accepts []string
}{
	{"TCPListenerFromFd", func(fd int) (mio.Source, error) { return nilIfErr(mnet.TCPListenerFromFd(fd)) }, []string{"tcp4-listener", "tcp6-listener"}},
	{"TCPStreamFromFd", func(fd int) (mio.Source, error) { return nilIfErr(mnet.TCPStreamFromFd(fd)) }, []string{"tcp4-stream", "tcp6-stream"}},
	{"UDPSocketFromFd", func(fd int) (mio.Source, error) { return nilIfErr(mnet.UDPSocketFromFd(fd)) }, []string{"udp4", "udp6"}},
	{"UnixListenerFromFd", func(fd int) (mio.Source, error) { return nilIfErr(mnet.UnixListenerFromFd(fd)) }, []string{"unix-listener"}},
	{"UnixStreamFromFd", func(fd int) (mio.Source, error) { return nilIfErr(mnet.UnixStreamFromFd(fd)) }, []string{"unix-stream"}},
	{"UnixDatagramFromFd", func(fd int) (mio.Source, error) { return nilIfErr(mnet.UnixDatagramFromFd(fd)) }, []string{"unix-datagram"}},
}

func rawSocket(t *testing.T, family, typ int) int {
	t.Helper()
	fd, err := unix.Socket(family, typ, 0)
	if err != nil {
		t.Skipf("socket(%d, %d): %v", family, typ, err)
	}
	return fd
}

func rawListener(t *testing.T, family int) int {
	t.Helper()
	fd := rawSocket(t, family, unix.SOCK_STREAM)
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if family == unix.AF_INET6 {
		sa = &unix.SockaddrInet6{Addr: [16]byte{15: 1}}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		t.Skipf("bind loopback: %v", err)
	}
	must(t, unix.Listen(fd, 16))
	return fd
}

func rawUnixListener(t *testing.T) int {
	t.Helper()
	fd := rawSocket(t, unix.AF_UNIX, unix.SOCK_STREAM)
	must(t, unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(t.TempDir(), "l.sock")}))
	must(t, unix.Listen(fd, 16))
	return fd
}

// rawPair returns a socketpair; the second end is closed with the test.
func rawPair(t *testing.T, typ int) [2]int {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err != nil {
		t.Skipf("socketpair(%d): %v", typ, err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	return fds
}

// rawPipe returns a pipe; the write end is closed with the test.
func rawPipe(t *testing.T) [2]int {
	t.Helper()
	var p [2]int
	must(t, unix.Pipe(p[:]))
	t.Cleanup(func() { unix.Close(p[1]) })
	return p
}

func rawFile(t *testing.T) int {
	t.Helper()
	fd, err := unix.Open(filepath.Join(t.TempDir(), "f"), unix.O_RDWR|unix.O_CREAT, 0o600)
	must(t, err)
	return fd
}

// fdFlags returns the descriptor's status flags and its descriptor flags.
var fdFlags = testkit.FdFlags

func TestFromFdRefusesWrongKindAndLeavesItAlone(t *testing.T) {
	for _, c := range fromFdConstructors {
		for _, k := range rawKinds {
			if slices.Contains(c.accepts, k.name) {
				continue
			}
			t.Run(c.name+"/"+k.name, func(t *testing.T) {
				fd := k.make(t)
				defer unix.Close(fd)
				fl, fdfl := fdFlags(t, fd)
				s, err := c.adopt(fd)
				if err == nil {
					t.Fatalf("%s adopted a %s descriptor: %v", c.name, k.name, s)
				}
				want := syscall.EINVAL
				if k.name == "pipe" || k.name == "file" {
					want = syscall.ENOTSOCK
				}
				if !errors.Is(err, want) {
					t.Fatalf("error %v, want one matching %v", err, want)
				}
				if s != nil {
					t.Fatalf("a value beside the error: %v", s)
				}
				if fl2, fdfl2 := fdFlags(t, fd); fl2 != fl || fdfl2 != fdfl {
					t.Fatalf("flags changed: status %#x -> %#x, descriptor %#x -> %#x", fl, fl2, fdfl, fdfl2)
				}
				if fl&unix.O_NONBLOCK != 0 || fdfl&unix.FD_CLOEXEC != 0 {
					t.Fatalf("the raw descriptor was not blocking and inheritable to start with")
				}
			})
		}
	}
}

func TestFromFdRefusesClosedAndNegative(t *testing.T) {
	closed := rawSocket(t, unix.AF_INET, unix.SOCK_STREAM)
	must(t, unix.Close(closed))
	for _, c := range fromFdConstructors {
		for _, fd := range []int{-1, -7, closed} {
			s, err := c.adopt(fd)
			if !errors.Is(err, syscall.EBADF) || s != nil {
				t.Errorf("%s(%d): %v, %v; want an error matching EBADF", c.name, fd, s, err)
			}
		}
	}
}

// adoptRaw adopts a fresh descriptor of kind name with the constructor and
// checks what an adoption promises: the same descriptor, now non-blocking
// and close-on-exec.
func adoptRaw[T interface {
	mio.Source
	Fd() int
	Close() error
}](t *testing.T, fd int, adopt func(int) (T, error)) T {
	t.Helper()
	s, err := adopt(fd)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	closer(t, s)
	if s.Fd() != fd {
		t.Fatalf("Fd %d, adopted %d", s.Fd(), fd)
	}
	fl, fdfl := fdFlags(t, fd)
	if fl&unix.O_NONBLOCK == 0 || fdfl&unix.FD_CLOEXEC == 0 {
		t.Fatalf("adopted descriptor: status %#x, descriptor flags %#x; want O_NONBLOCK and FD_CLOEXEC", fl, fdfl)
	}
	return s
}

func TestTCPListenerFromFdAccepts(t *testing.T) {
	for _, family := range []int{unix.AF_INET, unix.AF_INET6} {
		l := adoptRaw(t, rawListener(t, family), mnet.TCPListenerFromFd)
		p := newPoll(t)
		must(t, p.Registry().Register(l, 1, mio.Readable))
		if _, _, err := l.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
			t.Fatalf("accept with nothing pending: %v", err)
		}
		la, err := l.LocalAddr()
		must(t, err)
		c := closer(t, must2(mnet.ConnectTCP(la))(t))
		s, peer := acceptOne(t, p, 1, l.Accept)
		s.Close()
		if local, _ := c.LocalAddr(); peer != local {
			t.Fatalf("accepted %v, client is %v", peer, local)
		}
	}
}

func TestTCPStreamFromFdReadsAndWrites(t *testing.T) {
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	la, err := l.LocalAddr()
	must(t, err)
	fd := rawSocket(t, unix.AF_INET, unix.SOCK_STREAM)
	// A blocking connect, finished before adoption, as a builder would.
	if err := unix.Connect(fd, &unix.SockaddrInet4{Addr: la.Addr().As4(), Port: int(la.Port())}); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	c := adoptRaw(t, fd, mnet.TCPStreamFromFd)
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	s, _ := acceptOne(t, p, 1, l.Accept)
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("read with nothing sent: %v", err)
	}
	deliver(t, p, 2, s, c, "ping")
	deliver(t, p, 3, c, s, "pong")
}

// deliver writes msg into w and checks that r, registered with p under tok,
// reports it readable and reads it.
func deliver(t *testing.T, p *mio.Poll, tok mio.Token, w io.Writer, r interface {
	mio.Source
	io.Reader
}, msg string) {
	t.Helper()
	must(t, p.Registry().Register(r, tok, mio.Readable))
	must2(w.Write([]byte(msg)))(t)
	waitFor(t, p, tok, readable)
	if got, _ := readAll(t, r, make([]byte, 2*len(msg))); string(got) != msg {
		t.Fatalf("read %q, want %q", got, msg)
	}
}

func TestUDPSocketFromFdSendsAndReceives(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		family := unix.AF_INET
		if addr.Addr().Is6() {
			family = unix.AF_INET6
		}
		u := adoptRaw(t, rawSocket(t, family, unix.SOCK_DGRAM), mnet.UDPSocketFromFd)
		peer := closer(t, must2(mnet.BindUDP(addr))(t))
		pa, err := peer.LocalAddr()
		must(t, err)
		// The adopted socket is unbound: its first SendTo binds it to the
		// wildcard address and a free port.
		must2(u.SendTo([]byte("hello"), pa))(t)
		p := newPoll(t)
		must(t, p.Registry().Register(peer, 1, mio.Readable))
		waitFor(t, p, 1, readable)
		buf := make([]byte, 16)
		n, from, err := peer.RecvFrom(buf)
		must(t, err)
		ua, err := u.LocalAddr()
		must(t, err)
		if string(buf[:n]) != "hello" || from.Port() != ua.Port() {
			t.Fatalf("received %q from %v; adopted socket is %v", buf[:n], from, ua)
		}
		must(t, p.Registry().Register(u, 2, mio.Readable))
		must2(peer.SendTo([]byte("back"), from))(t)
		waitFor(t, p, 2, readable)
		n, from, err = u.RecvFrom(buf)
		must(t, err)
		if string(buf[:n]) != "back" || from != pa {
			t.Fatalf("adopted socket received %q from %v", buf[:n], from)
		}
	})
}

func TestUnixListenerFromFdAccepts(t *testing.T) {
	l := adoptRaw(t, rawUnixListener(t), mnet.UnixListenerFromFd)
	path, err := l.LocalAddr()
	must(t, err)
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	c := closer(t, must2(mnet.ConnectUnix(path))(t))
	s, _ := acceptOne(t, p, 1, l.Accept)
	deliver(t, p, 2, c, s, "x")
}

func TestUnixStreamAndDatagramFromFd(t *testing.T) {
	t.Run("stream", func(t *testing.T) {
		fds := rawPair(t, unix.SOCK_STREAM)
		s := adoptRaw(t, fds[0], mnet.UnixStreamFromFd)
		exerciseAdoptedPair(t, s, fds[1], s.Read)
	})
	t.Run("datagram", func(t *testing.T) {
		fds := rawPair(t, unix.SOCK_DGRAM)
		d := adoptRaw(t, fds[0], mnet.UnixDatagramFromFd)
		exerciseAdoptedPair(t, d, fds[1], d.Recv)
	})
}

// exerciseAdoptedPair checks that s, adopted from one end of a socketpair,
// reports and reads what the other end (peer, left blocking) writes.
func exerciseAdoptedPair(t *testing.T, s mio.Source, peer int, read func([]byte) (int, error)) {
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Readable))
	buf := make([]byte, 8)
	if _, err := read(buf); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("read with nothing sent: %v", err)
	}
	must2(unix.Write(peer, []byte("abc")))(t)
	waitFor(t, p, 1, readable)
	n, err := read(buf)
	if err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

// released is what every type offers for the Release tests.
type released interface {
	Release() (int, error)
	Close() error
	Fd() int
}

func TestReleaseGivesTheDescriptorBack(t *testing.T) {
	dir := t.TempDir()
	makers := []struct {
		name string
		make func(t *testing.T) released
		typ  int
	}{
		{"TCPListener", func(t *testing.T) released { return must2(mnet.ListenTCP(any4))(t) }, unix.SOCK_STREAM},
		{"TCPStream", func(t *testing.T) released { c, _ := tcpPair(t, any4); return c }, unix.SOCK_STREAM},
		{"UDPSocket", func(t *testing.T) released { return must2(mnet.BindUDP(any4))(t) }, unix.SOCK_DGRAM},
		{"UnixListener", func(t *testing.T) released {
			return must2(mnet.ListenUnix(filepath.Join(dir, "release.sock")))(t)
		}, unix.SOCK_STREAM},
		{"UnixStream", func(t *testing.T) released {
			a, b, err := mnet.UnixStreamPair()
			must(t, err)
			closer(t, b)
			return a
		}, unix.SOCK_STREAM},
		{"UnixDatagram", func(t *testing.T) released {
			a, b, err := mnet.UnixgramPair()
			must(t, err)
			closer(t, b)
			return a
		}, unix.SOCK_DGRAM},
	}
	for _, m := range makers {
		t.Run(m.name, func(t *testing.T) {
			s := m.make(t)
			want := s.Fd()
			fd, err := s.Release()
			must(t, err)
			if fd != want || s.Fd() != -1 {
				t.Fatalf("Release gave %d (Fd was %d), Fd now %d", fd, want, s.Fd())
			}
			if _, err := s.Release(); !errors.Is(err, mio.ErrClosed) {
				t.Fatalf("second Release: %v", err)
			}
			if err := s.Close(); !errors.Is(err, mio.ErrClosed) {
				t.Fatalf("Close after Release: %v", err)
			}
			// The descriptor is open, still the same socket, and the
			// caller's: closing it is the caller's job and succeeds once.
			typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
			if err != nil || typ != m.typ {
				t.Fatalf("released descriptor: SO_TYPE %d, %v", typ, err)
			}
			must(t, unix.Close(fd))
		})
	}
	t.Run("after-Close", func(t *testing.T) {
		u := must2(mnet.BindUDP(any4))(t)
		must(t, u.Close())
		if fd, err := u.Release(); !errors.Is(err, mio.ErrClosed) || fd != -1 {
			t.Fatalf("Release after Close: %d, %v", fd, err)
		}
	})
}

func TestReleasedStreamWorksWithRawCalls(t *testing.T) {
	a, b, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, b)
	fd, err := a.Release()
	must(t, err)
	defer unix.Close(fd)
	if _, err := a.Write([]byte("x")); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Write after Release: %v", err)
	}
	must2(unix.Write(fd, []byte("raw")))(t)
	p := newPoll(t)
	must(t, p.Registry().Register(b, 1, mio.Readable))
	waitFor(t, p, 1, readable)
	if got, _ := readAll(t, b, make([]byte, 8)); string(got) != "raw" {
		t.Fatalf("peer read %q", got)
	}
	must2(b.Write([]byte("back")))(t)
	buf := make([]byte, 8)
	n, err := unix.Read(fd, buf)
	if err != nil || string(buf[:n]) != "back" {
		t.Fatalf("raw read %q, %v", buf[:n], err)
	}
	// The descriptor stays non-blocking: an empty read would block.
	if _, err := unix.Read(fd, buf); err != unix.EAGAIN {
		t.Fatalf("raw read of an empty socket: %v, want EAGAIN", err)
	}
}

// Release does not deregister (as mio's into_raw_fd): the registration goes
// with the descriptor, and SourceFd ends it.
func TestReleaseKeepsTheRegistration(t *testing.T) {
	a, b, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, b)
	p := newPoll(t)
	must(t, p.Registry().Register(a, 9, mio.Readable))
	fd, err := a.Release()
	must(t, err)
	defer unix.Close(fd)
	if err := a.Deregister(p.Registry()); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Deregister of the released value: %v", err)
	}
	must2(b.Write([]byte("x")))(t)
	waitFor(t, p, 9, readable)
	src := mio.SourceFd(fd)
	must(t, p.Registry().Deregister(&src))
	must2(b.Write([]byte("y")))(t)
	noEvent(t, p, 9)
}
