// Command echo-gnet is the peer users pick instead of this library: a gnet v2
// echo server with gnet's defaults (one event loop).
//
//	echo-gnet -addr 127.0.0.1:9000
package main

import (
	"flag"
	"log"

	"github.com/panjf2000/gnet/v2"
)

type server struct{ gnet.BuiltinEventEngine }

// OnTraffic writes back everything that has arrived.
func (*server) OnTraffic(c gnet.Conn) gnet.Action {
	in, _ := c.Next(-1)
	if _, err := c.Write(in); err != nil {
		return gnet.Close
	}
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	flag.Parse()
	log.Fatal(gnet.Run(&server{}, "tcp://"+*addr, gnet.WithTCPNoDelay(gnet.TCPNoDelay), gnet.WithMulticore(false)))
}
