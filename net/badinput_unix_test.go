//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package net_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/testkit"
	mnet "github.com/gomio/mio/net"
)

// Every method of a socket that no longer has its descriptor, a closed one
// or a zero value declared without its constructor, returns an error
// matching mio.ErrClosed and never panics; Fd returns -1. A zero value
// must not reach descriptor 0, standard input: its Close would close it.
func TestClosedAndZeroSocketsReturnErrClosed(t *testing.T) {
	dir := t.TempDir()
	closed := func(s interface{ Close() error }, err error) any {
		must(t, err)
		must(t, s.Close())
		return s
	}
	pairFirst := func() (*mnet.UnixStream, error) {
		a, b, err := mnet.UnixStreamPair()
		if err == nil {
			b.Close()
		}
		return a, err
	}
	values := []struct {
		name string
		v    any
	}{
		{"zero TCPListener", new(mnet.TCPListener)},
		{"zero TCPStream", new(mnet.TCPStream)},
		{"zero UDPSocket", new(mnet.UDPSocket)},
		{"zero UnixListener", new(mnet.UnixListener)},
		{"zero UnixStream", new(mnet.UnixStream)},
		{"zero UnixDatagram", new(mnet.UnixDatagram)},
		{"closed TCPListener", closed(mnet.ListenTCP(any4))},
		{"closed TCPStream", closed(mnet.ConnectTCP(any4))},
		{"closed UDPSocket", closed(mnet.BindUDP(any4))},
		{"closed UnixListener", closed(mnet.ListenUnix(filepath.Join(dir, "l")))},
		{"closed UnixStream", closed(pairFirst())},
		{"closed UnixDatagram", closed(mnet.UnboundUnixgram())},
	}
	// The multicast calls check their addresses first.
	group4, group6 := netip.MustParseAddr("224.0.0.251"), netip.MustParseAddr("ff02::fb")
	args := map[string][]any{
		"JoinMulticastV4":  {group4, netip.IPv4Unspecified()},
		"LeaveMulticastV4": {group4, netip.IPv4Unspecified()},
		"JoinMulticastV6":  {group6, uint32(0)},
		"LeaveMulticastV6": {group6, uint32(0)},
	}
	for _, c := range values {
		t.Run(c.name, func(t *testing.T) { testkit.EveryMethodClosed(t, c.v, args) })
	}
}

// Empty buffers move nothing, as io.Reader and io.Writer allow: (0, nil),
// with no byte consumed or sent and no panic, for nil slices and for
// buffer lists that are nil or hold only empty buffers.
func TestEmptyBuffersMoveNothing(t *testing.T) {
	type stream interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
		ReadBuffers([][]byte) (int, error)
		WriteBuffers([][]byte) (int, error)
		mio.Source
	}
	tcpA, tcpB := tcpPair(t, any4)
	unixA, unixB, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, unixA)
	closer(t, unixB)
	for _, c := range []struct {
		name string
		a, b stream
	}{
		{"TCPStream", tcpA, tcpB},
		{"UnixStream", unixA, unixB},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPoll(t)
			must(t, p.Registry().Register(c.b, 1, mio.Readable))
			must2(c.a.Write([]byte("x")))(t)
			waitFor(t, p, 1, readable)
			calls := map[string]func() (int, error){
				"Read(nil)":                  func() (int, error) { return c.b.Read(nil) },
				"Write(nil)":                 func() (int, error) { return c.a.Write(nil) },
				"ReadBuffers(nil)":           func() (int, error) { return c.b.ReadBuffers(nil) },
				"ReadBuffers of empty ones":  func() (int, error) { return c.b.ReadBuffers([][]byte{nil, {}}) },
				"WriteBuffers(nil)":          func() (int, error) { return c.a.WriteBuffers(nil) },
				"WriteBuffers of empty ones": func() (int, error) { return c.a.WriteBuffers([][]byte{nil, {}}) },
			}
			for name, call := range calls {
				if n, err := call(); n != 0 || err != nil {
					t.Errorf("%s: (%d, %v), want (0, nil)", name, n, err)
				}
			}
			// The byte sent before is still the only one waiting.
			got, _ := readAll(t, c.b, make([]byte, 8))
			if string(got) != "x" {
				t.Fatalf("after the empty calls read %q, want %q", got, "x")
			}
		})
	}
}
