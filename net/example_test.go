//go:build unix || windows

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

// An echo server on one event loop: accept until would-block, read until
// would-block, write back. A client connects, sends a line and reads the echo.
func ExampleTCPListener() {
	const (
		server mio.Token = iota
		client
		conn
	)
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	poll.Registry().Register(l, server, mio.Readable)

	addr, _ := l.LocalAddr()
	c, err := mnet.ConnectTCP(addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	poll.Registry().Register(c, client, mio.Readable|mio.Writable)

	var accepted *mnet.TCPStream
	sent := false
	buf := make([]byte, 1024)
	events := mio.NewEvents(64)
	for {
		if err := poll.Poll(events, time.Second); err != nil {
			log.Fatal(err)
		}
		for ev := range events.Drain() {
			switch ev.Token() {
			case server:
				for {
					s, _, err := l.Accept()
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err != nil {
						log.Fatal(err)
					}
					accepted = s
					defer s.Close()
					poll.Registry().Register(s, conn, mio.Readable)
				}
			case conn:
				for {
					n, err := accepted.Read(buf)
					if errors.Is(err, mio.ErrWouldBlock) || err == io.EOF {
						break
					}
					accepted.Write(buf[:n]) // a real server keeps what does not fit
				}
			case client:
				if ev.IsWritable() && !sent {
					c.Write([]byte("hello, mio\n"))
					sent = true
				}
				if ev.IsReadable() {
					n, _ := c.Read(buf)
					fmt.Print(string(buf[:n]))
					return
				}
			}
		}
	}
	// Output: hello, mio
}

// A UDP request and its response between two sockets.
func ExampleUDPSocket() {
	poll, _ := mio.New()
	defer poll.Close()
	srv, _ := mnet.BindUDP(netip.MustParseAddrPort("127.0.0.1:0"))
	defer srv.Close()
	cli, _ := mnet.BindUDP(netip.MustParseAddrPort("127.0.0.1:0"))
	defer cli.Close()
	poll.Registry().Register(srv, 1, mio.Readable)
	poll.Registry().Register(cli, 2, mio.Readable)

	srvAddr, _ := srv.LocalAddr()
	cli.SendTo([]byte("time?"), srvAddr)

	buf := make([]byte, 64)
	events := mio.NewEvents(8)
	for {
		poll.Poll(events, time.Second)
		for ev := range events.Drain() {
			switch ev.Token() {
			case 1:
				n, from, _ := srv.RecvFrom(buf)
				fmt.Printf("server got %q\n", buf[:n])
				srv.SendTo([]byte("noon"), from)
			case 2:
				n, _, _ := cli.RecvFrom(buf)
				fmt.Printf("client got %q\n", buf[:n])
				return
			}
		}
	}
	// Output:
	// server got "time?"
	// client got "noon"
}

// A proxy picks the address its connection comes from: the accepted side
// sees the connection arrive from that address.
func ExampleConnectTCPFrom() {
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	l, err := mnet.ListenTCP(netip.MustParseAddrPort("127.0.0.1:0"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	addr, _ := l.LocalAddr()

	// Port 0: any free port on the chosen address.
	source := netip.MustParseAddrPort("127.0.0.1:0")
	c, err := mnet.ConnectTCPFrom(source, addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	poll.Registry().Register(l, 0, mio.Readable)
	events := mio.NewEvents(8)
	for {
		if err := poll.Poll(events, time.Second); err != nil {
			log.Fatal(err)
		}
		if events.IsEmpty() {
			log.Fatal("no connection")
		}
		events.Clear() // one listener: any event is its readiness
		s, peer, err := l.Accept()
		if errors.Is(err, mio.ErrWouldBlock) {
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		s.Close()
		fmt.Println("connection from", peer.Addr())
		return
	}
	// Output: connection from 127.0.0.1
}
