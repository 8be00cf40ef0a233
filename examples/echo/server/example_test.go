//go:build unix || windows

package server_test

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"

	"github.com/gomio/mio/examples/echo/server"
)

// One loop on a free port, one client, and a clean stop.
func ExampleStart() {
	addr, stop, err := server.Start(netip.MustParseAddrPort("127.0.0.1:0"), 1, 0)
	if err != nil {
		log.Fatal(err)
	}
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		log.Fatal(err)
	}
	c.Write([]byte("hello, loop"))
	buf := make([]byte, len("hello, loop"))
	if _, err := io.ReadFull(c, buf); err != nil {
		log.Fatal(err)
	}
	c.Close()
	fmt.Println(string(buf))
	if err := stop(); err != nil {
		log.Fatal(err)
	}
	// Output: hello, loop
}
