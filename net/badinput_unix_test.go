//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package net_test

import (
	"net/netip"
	"path/filepath"
	"testing"

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
