//go:build linux

package bench

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gomio/mio/examples/echo/server"
	"github.com/panjf2000/gnet/v2"
)

// echoServers start an echo server of each impl in this process and return
// its address and a function that stops it.
var echoServers = map[string]func(b *testing.B) (string, func()){
	"mio":  func(b *testing.B) (string, func()) { return startMioEcho(b, 0) },
	"std":  startStdEcho,
	"gnet": startGnetEcho,
}

// startMioEcho runs examples/echo's loop, busy polling for up to busy.
func startMioEcho(b *testing.B, busy time.Duration) (string, func()) {
	ap, stop, err := server.Start(netip.MustParseAddrPort("127.0.0.1:0"), 1, busy)
	if err != nil {
		b.Fatal(err)
	}
	return ap.String(), func() {
		if err := stop(); err != nil {
			b.Error(err)
		}
	}
}

// startStdEcho is the baseline a Go user has without a poller: package net
// with a goroutine per connection, on the runtime's netpoller.
func startStdEcho(b *testing.B) (string, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String(), func() { l.Close() } // the clients close their connections
}

// gnetEcho is the peer users pick instead of this library: gnet v2 with
// its defaults (one event loop), writing back everything that arrives.
type gnetEcho struct {
	gnet.BuiltinEventEngine
	booted chan gnet.Engine
}

func (s *gnetEcho) OnBoot(e gnet.Engine) gnet.Action {
	s.booted <- e
	return gnet.None
}

func (*gnetEcho) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Next(-1)
	if _, err := c.Write(in); err != nil {
		return gnet.Close
	}
	return gnet.None
}

func startGnetEcho(b *testing.B) (string, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // a free port for gnet
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &gnetEcho{booted: make(chan gnet.Engine, 1)}
	done := make(chan error, 1)
	go func() {
		done <- gnet.Run(s, "tcp://"+addr, gnet.WithTCPNoDelay(gnet.TCPNoDelay), gnet.WithMulticore(false),
			gnet.WithLogger(silent{})) // its start-up banner would break the benchmark lines
	}()
	var eng gnet.Engine
	select {
	case eng = <-s.booted:
	case err := <-done:
		b.Fatalf("gnet: %v", err)
	}
	return addr, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			b.Error(err)
		}
		<-done
	}
}

// silent is a gnet logger that drops everything.
type silent struct{}

func (silent) Debugf(string, ...any) {}
func (silent) Infof(string, ...any)  {}
func (silent) Warnf(string, ...any)  {}
func (silent) Errorf(string, ...any) {}
func (silent) Fatalf(string, ...any) {}
