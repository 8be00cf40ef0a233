//go:build linux

package net_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// Every socket type is a mio.Source: register, reregister (new token and
// interest), deregister, the errors for doing each out of order, and
// ErrClosed after Close.
func TestEverySocketTypeIsASource(t *testing.T) {
	type source interface {
		mio.Source
		Close() error
	}
	tcpL := must2(mnet.ListenTCP(any4))(t)
	c, s := tcpPair(t, any4)
	udp := must2(mnet.BindUDP(any4))(t)
	unixL := must2(mnet.ListenUnix(fmt.Sprintf("@mio-src-%d", os.Getpid())))(t)
	us, _, err := mnet.UnixStreamPair()
	must(t, err)
	ud, _, err := mnet.UnixgramPair()
	must(t, err)
	for name, src := range map[string]source{
		"TCPListener": tcpL, "TCPStream": c, "UDPSocket": udp,
		"UnixListener": unixL, "UnixStream": us, "UnixDatagram": ud,
	} {
		t.Run(name, func(t *testing.T) {
			p := newPoll(t)
			r := p.Registry()
			if err := r.Reregister(src, 1, mio.Readable); !errors.Is(err, mio.ErrNotRegistered) {
				t.Fatalf("Reregister before Register: %v", err)
			}
			if err := r.Deregister(src); !errors.Is(err, mio.ErrNotRegistered) {
				t.Fatalf("Deregister before Register: %v", err)
			}
			must(t, r.Register(src, 1, mio.Readable))
			if err := r.Register(src, 2, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
				t.Fatalf("second Register: %v", err)
			}
			if err := r.Register(src, 2, 0); !errors.Is(err, mio.ErrInvalidInterest) {
				t.Fatalf("zero interest: %v", err)
			}
			must(t, r.Reregister(src, 3, mio.Readable|mio.Writable))
			must(t, r.Deregister(src))
			must(t, r.Register(src, 4, mio.Writable))
			must(t, src.Close())
			if err := r.Reregister(src, 5, mio.Readable); !errors.Is(err, mio.ErrClosed) {
				t.Fatalf("Reregister after Close: %v", err)
			}
			if err := src.Close(); !errors.Is(err, mio.ErrClosed) {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
	_ = s
}
