package net_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"golang.org/x/sys/windows"
)

// A named-pipe server on an event loop: register, Connect until the client
// comes (a Writable event), then read what the client sends. The client end
// is opened with FILE_FLAG_OVERLAPPED and adopted with NamedPipeFromHandle.
func ExampleNewNamedPipe() {
	const (
		server mio.Token = iota
		client
	)
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	name := fmt.Sprintf(`\\.\pipe\mio-example-%d`, windows.GetCurrentProcessId())
	srv, err := mnet.NewNamedPipe(name)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := poll.Registry().Register(srv, server, mio.Readable|mio.Writable); err != nil {
		log.Fatal(err)
	}
	if err := srv.Connect(); !errors.Is(err, mio.ErrWouldBlock) {
		log.Fatal(err)
	}

	u, _ := windows.UTF16PtrFromString(name)
	h, err := windows.CreateFile(u, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		log.Fatal(err)
	}
	cli, err := mnet.NamedPipeFromHandle(uintptr(h))
	if err != nil {
		log.Fatal(err)
	}
	defer cli.Close()
	if err := poll.Registry().Register(cli, client, mio.Writable); err != nil {
		log.Fatal(err)
	}

	events := mio.NewEvents(8)
	buf := make([]byte, 64)
	for {
		if err := poll.Poll(events, time.Second); err != nil {
			log.Fatal(err)
		}
		for ev := range events.Drain() {
			switch {
			case ev.Token() == server && ev.IsWritable():
				if err := srv.Connect(); err == nil {
					fmt.Println("client connected")
				}
			case ev.Token() == client && ev.IsWritable():
				if _, err := cli.Write([]byte("hello over a pipe")); err != nil {
					log.Fatal(err)
				}
				poll.Registry().Deregister(cli) // one message is enough
			case ev.Token() == server && ev.IsReadable():
				n, err := srv.Read(buf)
				if errors.Is(err, mio.ErrWouldBlock) {
					continue
				} else if err != nil {
					log.Fatal(err)
				}
				fmt.Printf("server read %q\n", buf[:n])
				return
			}
		}
	}
	// Output:
	// client connected
	// server read "hello over a pipe"
}
