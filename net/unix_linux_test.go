//go:build linux

package net_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

func TestUnixStreamPair(t *testing.T) {
	a, b, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, a)
	closer(t, b)
	p := newPoll(t)
	must(t, p.Registry().Register(a, 1, mio.Readable|mio.Writable))
	must(t, p.Registry().Register(b, 2, mio.Readable))
	waitFor(t, p, 1, writable)
	n, err := a.WriteBuffers([][]byte{[]byte("hel"), []byte("lo")})
	if err != nil || n != 5 {
		t.Fatalf("WriteBuffers %d %v", n, err)
	}
	waitFor(t, p, 2, readable)
	got, _ := readAll(t, b, make([]byte, 2))
	if string(got) != "hello" {
		t.Fatalf("read %q", got)
	}
	for _, s := range []*mnet.UnixStream{a, b} {
		local, err1 := s.LocalAddr()
		peer, err2 := s.PeerAddr()
		if local != "" || peer != "" || err1 != nil || err2 != nil {
			t.Fatalf("pair addresses: %q %v, %q %v; want unnamed", local, err1, peer, err2)
		}
	}
	must(t, a.Shutdown(mnet.ShutdownWrite))
	e := waitFor(t, p, 2, readable)
	if !e.IsReadClosed() {
		t.Fatalf("after peer shutdown: %v", e)
	}
	if _, err := b.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read: %v", err)
	}
	must(t, b.Close())
	if _, err := a.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("write to a closed peer: %v, want EPIPE (and no SIGPIPE)", err)
	}
}

func testUnixListener(t *testing.T, path string) {
	l := closer(t, must2(mnet.ListenUnix(path))(t))
	if got, err := l.LocalAddr(); err != nil || got != path {
		t.Fatalf("LocalAddr %q %v; want %q", got, err, path)
	}
	if _, _, err := l.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("accept on empty: %v", err)
	}
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	c := closer(t, must2(mnet.ConnectUnix(path))(t))
	s, peer := acceptOne(t, p, 1, l.Accept)
	if peer != "" {
		t.Fatalf("unnamed client reported as %q", peer)
	}
	if got, _ := c.PeerAddr(); got != path {
		t.Fatalf("client PeerAddr %q", got)
	}
	if _, _, err := l.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("second accept: %v", err)
	}
	must(t, p.Registry().Register(s, 2, mio.Readable))
	_, err := c.Write([]byte("over unix"))
	must(t, err)
	waitFor(t, p, 2, readable)
	got, _ := readAll(t, s, make([]byte, 64))
	if string(got) != "over unix" {
		t.Fatalf("read %q", got)
	}
	if _, err := mnet.ListenUnix(path); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("second bind: %v", err)
	}
}

func TestUnixListenerPath(t *testing.T) {
	path := tempSock(t, "l.sock")
	testUnixListener(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the path is kept after Close, as in mio: %v", err)
	}
}

func TestUnixListenerAbstract(t *testing.T) {
	testUnixListener(t, fmt.Sprintf("@mio-test-%d", os.Getpid()))
}

func TestUnixDatagram(t *testing.T) {
	pa, pb := tempSock(t, "a.sock"), tempSock(t, "b.sock")
	a := closer(t, must2(mnet.BindUnixgram(pa))(t))
	b := closer(t, must2(mnet.BindUnixgram(pb))(t))
	unbound := closer(t, must2(mnet.UnboundUnixgram())(t))
	p := newPoll(t)
	must(t, p.Registry().Register(b, 2, mio.Readable))
	_, err := a.SendTo([]byte("from a"), pb)
	must(t, err)
	_, err = unbound.SendTo([]byte("from nobody"), pb)
	must(t, err)
	_, err = a.SendTo(nil, pb)
	must(t, err)
	waitFor(t, p, 2, readable)
	buf := make([]byte, 32)
	for _, want := range []struct{ msg, from string }{{"from a", pa}, {"from nobody", ""}, {"", pa}} {
		n, from, err := b.RecvFrom(buf)
		if err != nil || string(buf[:n]) != want.msg || from != want.from {
			t.Fatalf("RecvFrom: %q from %q, %v; want %q from %q", buf[:n], from, err, want.msg, want.from)
		}
	}
	if _, _, err := b.RecvFrom(buf); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := unbound.Send([]byte("x")); !errors.Is(err, syscall.ENOTCONN) && !errors.Is(err, syscall.EDESTADDRREQ) {
		t.Fatalf("Send unconnected: %v", err)
	}
	must(t, a.Connect(pb))
	if peer, _ := a.PeerAddr(); peer != pb {
		t.Fatalf("PeerAddr %q", peer)
	}
	if local, _ := a.LocalAddr(); local != pa {
		t.Fatalf("LocalAddr %q", local)
	}
	_, err = a.Send([]byte("connected"))
	must(t, err)
	waitFor(t, p, 2, readable)
	n, err := b.Recv(buf)
	if err != nil || string(buf[:n]) != "connected" {
		t.Fatalf("Recv %q %v", buf[:n], err)
	}
	must(t, b.Shutdown(mnet.ShutdownRead))
	if _, err := b.Recv(buf); err != nil && !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("Recv after read shutdown: %v", err)
	}
}

func TestUnixgramPair(t *testing.T) {
	a, b, err := mnet.UnixgramPair()
	must(t, err)
	closer(t, a)
	closer(t, b)
	p := newPoll(t)
	must(t, p.Registry().Register(b, 1, mio.Readable))
	_, err = a.Send([]byte("dgram"))
	must(t, err)
	waitFor(t, p, 1, readable)
	buf := make([]byte, 8)
	n, from, err := b.RecvFrom(buf)
	if err != nil || string(buf[:n]) != "dgram" || from != "" {
		t.Fatalf("%q from %q, %v", buf[:n], from, err)
	}
	must(t, p.Registry().Reregister(b, 2, mio.Readable|mio.Writable))
	waitFor(t, p, 2, writable)
	must(t, p.Registry().Deregister(b))
	_, err = a.Send([]byte("again"))
	must(t, err)
	noEvent(t, p, 2)
}

func TestUnixFromStd(t *testing.T) {
	path := tempSock(t, "std.sock")
	sl, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	must(t, err)
	l := closer(t, must2(mnet.UnixListenerFromStd(sl))(t))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the take-over unlinked the path: %v", err)
	}
	sc, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	must(t, err)
	p := newPoll(t)
	must(t, p.Registry().Register(l, 1, mio.Readable))
	s, _ := acceptOne(t, p, 1, l.Accept)
	c := closer(t, must2(mnet.UnixStreamFromStd(sc))(t))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("non-blocking after take-over: %v", err)
	}
	_, err = s.Write([]byte("std"))
	must(t, err)
	must(t, p.Registry().Register(c, 2, mio.Readable))
	waitFor(t, p, 2, readable)
	if got, _ := readAll(t, c, make([]byte, 8)); string(got) != "std" {
		t.Fatalf("read %q", got)
	}

	dpath := tempSock(t, "dgram.sock")
	sd, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: dpath, Net: "unixgram"})
	must(t, err)
	d := closer(t, must2(mnet.UnixDatagramFromStd(sd))(t))
	sender := closer(t, must2(mnet.UnboundUnixgram())(t))
	_, err = sender.SendTo([]byte("dg"), dpath)
	must(t, err)
	must(t, p.Registry().Register(d, 3, mio.Readable))
	waitFor(t, p, 3, readable)
	if n, err := d.Recv(make([]byte, 4)); n != 2 || err != nil {
		t.Fatalf("Recv %d %v", n, err)
	}
}

func TestUnixAddressErrors(t *testing.T) {
	long := make([]byte, 200)
	for i := range long {
		long[i] = 'x'
	}
	if _, err := mnet.ListenUnix(string(long)); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Fatalf("long path: %v", err)
	}
	if _, err := mnet.ConnectUnix(tempSock(t, "nobody.sock")); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("connect to a missing path: %v", err)
	}
}

func tempSock(t testing.TB, name string) string {
	dir, err := os.MkdirTemp("", "mio")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, name)
}
