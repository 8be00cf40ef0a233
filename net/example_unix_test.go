//go:build unix

package net_test

import (
	"fmt"
	"log"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// A connected pair of Unix streams, as for talking to a child process.
func ExampleUnixStreamPair() {
	a, b, err := mnet.UnixStreamPair()
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	poll, _ := mio.New()
	defer poll.Close()
	poll.Registry().Register(b, 0, mio.Readable)

	a.Write([]byte("ping"))
	events := mio.NewEvents(4)
	poll.Poll(events, time.Second)
	buf := make([]byte, 16)
	n, _ := b.Read(buf)
	fmt.Println(string(buf[:n]))
	// Output: ping
}
