//go:build unix || windows

package net_test

import (
	"net/netip"
	"testing"

	"github.com/gomio/mio/internal/testkit"
	mnet "github.com/gomio/mio/net"
)

// namedValue is a value of this package under test, with what it is.
type namedValue struct {
	name string
	v    any
}

// closedValues returns a function that closes what a constructor returned
// and gives it back, failing t if the constructor failed.
func closedValues(t *testing.T) func(s interface{ Close() error }, err error) any {
	return func(s interface{ Close() error }, err error) any {
		t.Helper()
		must(t, err)
		must(t, s.Close())
		return s
	}
}

// Every method of a socket that no longer has its descriptor, a closed one
// or a zero value declared without its constructor, returns an error
// matching mio.ErrClosed and never panics; Fd returns what a closed socket's
// returns, -1 (INVALID_SOCKET, INVALID_HANDLE_VALUE on Windows). A zero value
// must not reach descriptor 0 (standard input on Unix, a valid SOCKET number
// on Windows): its Close would close it. The OS's own types (Unix sockets,
// Windows named pipes) come from osClosedValues.
func TestClosedAndZeroSocketsReturnErrClosed(t *testing.T) {
	closed := closedValues(t)
	values := []namedValue{
		{"zero TCPListener", new(mnet.TCPListener)},
		{"zero TCPStream", new(mnet.TCPStream)},
		{"zero UDPSocket", new(mnet.UDPSocket)},
		{"closed TCPListener", closed(mnet.ListenTCP(any4))},
		{"closed TCPStream", closed(mnet.ConnectTCP(any4))},
		{"closed UDPSocket", closed(mnet.BindUDP(any4))},
	}
	values = append(values, osClosedValues(t)...)
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
