//go:build linux

package net_test

import (
	"testing"

	mnet "github.com/gomio/mio/net"
)

func TestStreamIOAllocatesNothing(t *testing.T) {
	c, s := tcpPair(t, any4)
	buf := make([]byte, 1)
	bufs := [][]byte{buf}
	cases := map[string]func(){
		"Write":                func() { c.Write(buf) },
		"Read":                 func() { s.Read(buf) },
		"Read (would block)":   func() { s.Read(buf) },
		"WriteBuffers":         func() { c.WriteBuffers(bufs) },
		"ReadBuffers":          func() { s.ReadBuffers(bufs) },
		"Accept (would block)": func() {},
	}
	l := closer(t, must2(mnet.ListenTCP(any4))(t))
	cases["Accept (would block)"] = func() { l.Accept() }
	for name, f := range cases {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s: %v allocations", name, a)
		}
	}
}

func TestDatagramIOAllocatesNothing(t *testing.T) {
	a, b, _, bAddr := udpPair(t, any4)
	buf := make([]byte, 1)
	cases := map[string]func(){
		"SendTo":                 func() { a.SendTo(buf, bAddr) },
		"RecvFrom":               func() { b.RecvFrom(buf) },
		"RecvFrom (would block)": func() { a.RecvFrom(buf) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}
