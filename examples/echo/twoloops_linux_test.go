package main

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio/examples/echo/server"
)

// With -loops 2 (and busy polling), two loops serve the one port: every
// client is echoed, and stopping releases both loops' descriptors. (That the
// kernel spreads connections over SO_REUSEPORT listeners is tested in net.)
func TestEchoTwoLoops(t *testing.T) {
	if l, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close() // the runtime's own poller opens its descriptors once, now
	}
	before := countFds(t)
	addr, stop, err := server.Start(netip.MustParseAddrPort("127.0.0.1:0"), 2, 20*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr.String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if err := exchange(c, []byte(fmt.Sprintf("client %d", i))); err != nil {
				t.Errorf("client %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if after := countFds(t); after > before {
		t.Fatalf("%d descriptors open after stopping two loops, %d before starting them", after, before)
	}
}
