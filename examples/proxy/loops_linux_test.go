//go:build linux

package main

import (
	"net"
	"syscall"
	"testing"
)

// With -loops 2 (SO_REUSEPORT, Linux), every loop serves, drains on SIGTERM
// with its pairs going on, and serve returns once they have all finished.
func TestProxyLoopsDrain(t *testing.T) {
	addr, stop, done := startLoops(t, baseConfig(t), 2)
	var conns []net.Conn
	for i := range 16 {
		c := dialProxy(t, addr)
		if err := roundTrip(c, "before "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	stop <- syscall.SIGTERM
	waitRefused(t, addr)
	for _, c := range conns {
		if err := roundTrip(c, "during the drain"); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		waitClosed(t, c, "a pair finishing in the drain")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
