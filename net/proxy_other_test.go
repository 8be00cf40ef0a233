//go:build (unix && !linux) || windows

package net_test

import (
	"errors"
	"net/netip"
	"testing"

	mnet "github.com/gomio/mio/net"
)

// Off Linux, the proxy features beyond mio say so with an error matching
// errors.ErrUnsupported, and the plain calls beside them still work.
func TestProxyFeaturesUnsupportedOffLinux(t *testing.T) {
	loopback := netip.MustParseAddrPort("127.0.0.1:0")
	if _, err := mnet.ListenTCPReusePort(loopback); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ListenTCPReusePort: %v, want errors.ErrUnsupported", err)
	}
	l, err := mnet.ListenTCP(loopback)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr, _ := l.LocalAddr()
	s, err := mnet.ConnectTCP(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := mnet.NewRelay(s, s); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("NewRelay: %v, want errors.ErrUnsupported", err)
	}
	u, err := mnet.BindUDP(loopback)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	msgs := []mnet.Message{{Buf: make([]byte, 8)}}
	if _, err := u.SendBatch(msgs); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("SendBatch: %v, want errors.ErrUnsupported", err)
	}
	if _, err := u.RecvBatch(msgs); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("RecvBatch: %v, want errors.ErrUnsupported", err)
	}
}
