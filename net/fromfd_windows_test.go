package net_test

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/windows"
)

var procGetHandleInformation = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetHandleInformation")

// handleFlags returns GetHandleInformation's flags (HANDLE_FLAG_INHERIT).
func handleFlags(t *testing.T, h windows.Handle) uint32 {
	t.Helper()
	var fl uint32
	if r, _, e := procGetHandleInformation.Call(uintptr(h), uintptr(unsafe.Pointer(&fl))); r == 0 {
		t.Fatalf("GetHandleInformation: %v", e)
	}
	return fl
}

// rawWinSocket makes an inheritable socket, as one made elsewhere would be:
// a listener, an unconnected stream, or a UDP socket.
func rawWinSocket(t *testing.T, kind string) windows.Handle {
	t.Helper()
	typ, proto := int32(windows.SOCK_STREAM), int32(windows.IPPROTO_TCP)
	if kind == "udp" {
		typ, proto = windows.SOCK_DGRAM, windows.IPPROTO_UDP
	}
	h, err := windows.WSASocket(windows.AF_INET, typ, proto, nil, 0, windows.WSA_FLAG_OVERLAPPED)
	must(t, err)
	if kind == "listener" {
		must(t, windows.Bind(h, &windows.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
		must(t, windows.Listen(h, 16))
	}
	return h
}

var winFromFd = []struct {
	name    string
	adopt   func(h uintptr) (mio.Source, error)
	accepts string
}{
	{"TCPListenerFromFd", func(h uintptr) (mio.Source, error) { return nilIfErr(mnet.TCPListenerFromFd(h)) }, "listener"},
	{"TCPStreamFromFd", func(h uintptr) (mio.Source, error) { return nilIfErr(mnet.TCPStreamFromFd(h)) }, "stream"},
	{"UDPSocketFromFd", func(h uintptr) (mio.Source, error) { return nilIfErr(mnet.UDPSocketFromFd(h)) }, "udp"},
}

func TestFromFdRefusesWrongKindAndLeavesItAlone(t *testing.T) {
	// A BindUDP first, so that Winsock is started for the raw sockets.
	closer(t, must2(mnet.BindUDP(any4))(t))
	for _, c := range winFromFd {
		for _, kind := range []string{"listener", "stream", "udp"} {
			if kind == c.accepts {
				continue
			}
			h := rawWinSocket(t, kind)
			before := handleFlags(t, h)
			s, err := c.adopt(uintptr(h))
			if !errors.Is(err, syscall.EINVAL) || s != nil {
				t.Errorf("%s of a %s socket: %v, %v; want an error matching EINVAL", c.name, kind, s, err)
			}
			if after := handleFlags(t, h); after != before || before&windows.HANDLE_FLAG_INHERIT == 0 {
				t.Errorf("%s of a %s socket: handle flags %#x -> %#x", c.name, kind, before, after)
			}
			if _, err := windows.GetsockoptInt(h, windows.SOL_SOCKET, 0x1008 /* SO_TYPE */); err != nil {
				t.Errorf("the refused socket is unusable: %v", err)
			}
			must(t, windows.Closesocket(h))
		}
	}
}

func TestFromFdRefusesClosedAndInvalid(t *testing.T) {
	closer(t, must2(mnet.BindUDP(any4))(t))
	closed := rawWinSocket(t, "stream")
	must(t, windows.Closesocket(closed))
	ev, err := windows.CreateEvent(nil, 0, 0, nil)
	must(t, err)
	defer windows.CloseHandle(ev)
	for _, c := range winFromFd {
		for _, h := range []uintptr{uintptr(closed), uintptr(ev)} {
			if s, err := c.adopt(h); !errors.Is(err, syscall.ENOTSOCK) || !errors.Is(err, windows.WSAENOTSOCK) || s != nil {
				t.Errorf("%s(%#x): %v, %v; want an error matching ENOTSOCK", c.name, h, s, err)
			}
		}
		if s, err := c.adopt(^uintptr(0)); !errors.Is(err, syscall.EBADF) || s != nil {
			t.Errorf("%s(INVALID_SOCKET): %v, %v; want an error matching EBADF", c.name, s, err)
		}
	}
}

func TestTCPFromFdAcceptAndStream(t *testing.T) {
	closer(t, must2(mnet.BindUDP(any4))(t))
	raw := rawWinSocket(t, "listener")
	l, err := mnet.TCPListenerFromFd(uintptr(raw))
	if err != nil {
		windows.Closesocket(raw)
		t.Fatal(err)
	}
	closer(t, l)
	if l.Fd() != uintptr(raw) || handleFlags(t, raw)&windows.HANDLE_FLAG_INHERIT != 0 {
		t.Fatalf("adopted listener: Fd %#x (raw %#x), flags %#x", l.Fd(), raw, handleFlags(t, raw))
	}
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	if _, _, err := l.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("accept with nothing pending: %v", err)
	}
	la, err := l.LocalAddr()
	must(t, err)
	// A raw client, connected while blocking, then adopted.
	rc := rawWinSocket(t, "stream")
	if err := windows.Connect(rc, &windows.SockaddrInet4{Addr: la.Addr().As4(), Port: int(la.Port())}); err != nil {
		windows.Closesocket(rc)
		t.Fatal(err)
	}
	c, err := mnet.TCPStreamFromFd(uintptr(rc))
	if err != nil {
		windows.Closesocket(rc)
		t.Fatal(err)
	}
	closer(t, c)
	waitFor(t, p, 1, readable)
	s, _, err := l.Accept()
	must(t, err)
	closer(t, s)
	must(t, p.Registry().Register(c, 2, mio.Readable))
	must2(s.Write([]byte("ping")))(t)
	waitFor(t, p, 2, readable)
	if got, _ := readAll(t, c, make([]byte, 16)); string(got) != "ping" {
		t.Fatalf("adopted stream read %q", got)
	}
}

func TestUDPFromFdReceives(t *testing.T) {
	closer(t, must2(mnet.BindUDP(any4))(t))
	raw := rawWinSocket(t, "udp")
	must(t, windows.Bind(raw, &windows.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	u, err := mnet.UDPSocketFromFd(uintptr(raw))
	if err != nil {
		windows.Closesocket(raw)
		t.Fatal(err)
	}
	closer(t, u)
	ua, err := u.LocalAddr()
	must(t, err)
	p := newPoll(t)
	must(t, p.Registry().Register(u, 1, mio.Readable))
	peer := closer(t, must2(mnet.BindUDP(any4))(t))
	must2(peer.SendTo([]byte("hello"), ua))(t)
	waitFor(t, p, 1, readable)
	buf := make([]byte, 16)
	n, _, err := u.RecvFrom(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("RecvFrom %q, %v", buf[:n], err)
	}
}

func TestReleaseGivesTheSocketBack(t *testing.T) {
	c, s := tcpPair(t, any4)
	p := newPoll(t)
	must(t, p.Registry().Register(c, 1, mio.Readable))
	want := c.Fd()
	h, err := c.Release()
	must(t, err)
	if h != want || c.Fd() != ^uintptr(0) {
		t.Fatalf("Release gave %#x (Fd was %#x), Fd now %#x", h, want, c.Fd())
	}
	if _, err := c.Release(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("second Release: %v", err)
	}
	if err := c.Close(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Close after Release: %v", err)
	}
	// Release ended the registration: data for the socket is no event.
	must2(s.Write([]byte("x")))(t)
	noEvent(t, p, 1)
	// The socket is the caller's, open and working.
	buf := make([]byte, 4)
	wb := windows.WSABuf{Len: uint32(len(buf)), Buf: &buf[0]}
	var n, flags uint32
	must(t, windows.WSARecv(windows.Handle(h), &wb, 1, &n, &flags, nil, nil))
	if string(buf[:n]) != "x" {
		t.Fatalf("raw recv %q", buf[:n])
	}
	must(t, windows.Closesocket(windows.Handle(h)))

	u := must2(mnet.BindUDP(any4))(t)
	must(t, u.Close())
	if _, err := u.Release(); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Release after Close: %v", err)
	}
}
