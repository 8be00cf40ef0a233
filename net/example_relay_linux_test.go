//go:build linux

package net_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// loopbackPair returns the two ends of a TCP connection over loopback,
// waiting on poll (where l is registered) for the accept.
func loopbackPair(poll *mio.Poll, l *mnet.TCPListener) (near, far *mnet.TCPStream) {
	addr, _ := l.LocalAddr()
	near, err := mnet.ConnectTCP(addr)
	if err != nil {
		log.Fatal(err)
	}
	events := mio.NewEvents(1)
	for {
		if far, _, err = l.Accept(); !errors.Is(err, mio.ErrWouldBlock) {
			break
		}
		poll.Poll(events, time.Second)
		events.Clear()
	}
	if err != nil {
		log.Fatal(err)
	}
	return near, far
}

// A relay from one connection to another, pumped on src's events: the
// pool lends it a buffer for the message, and takes it back.
func ExampleRelayPool() {
	l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	poll.Registry().Register(l, 1, mio.Readable)
	writer, src := loopbackPair(poll, l)
	dst, reader := loopbackPair(poll, l)
	for _, s := range []*mnet.TCPStream{writer, src, dst, reader} {
		defer s.Close()
	}
	poll.Registry().Deregister(l)

	pool := mnet.NewRelayPool(4) // pipes for large transfers, shared by the loop's relays
	defer pool.Close()
	relay, err := pool.NewRelay(dst, src)
	if err != nil {
		log.Fatal(err)
	}
	defer relay.Close()
	poll.Registry().Register(src, 0, mio.Readable)

	writer.Write([]byte("hello through the relay"))
	writer.Shutdown(mnet.ShutdownWrite)
	events := mio.NewEvents(8)
	for done := false; !done; {
		if err := poll.Poll(events, time.Second); err != nil {
			log.Fatal(err)
		}
		for ev := range events.Drain() {
			_, err := relay.PumpEdge(ev.IsReadClosed())
			done = err == io.EOF
		}
	}
	dst.Shutdown(mnet.ShutdownWrite)
	buf := make([]byte, 64)
	n, _ := reader.Read(buf)
	fmt.Printf("%q, %d buffered\n", buf[:n], relay.Buffered())
	// Output: "hello through the relay", 0 buffered
}
