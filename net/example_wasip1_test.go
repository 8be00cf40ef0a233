//go:build wasip1

package net_test

import (
	"errors"
	"log"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// An echo server on wasip1, over the listener the host pre-opened: with
// `wazero run -listen 127.0.0.1:8080 echo.wasm` (or wasmtime's
// -S tcplisten=127.0.0.1:8080) it is descriptor 3, after standard input,
// output and error, when no directory is mounted. WASI Preview 1 cannot
// listen by itself.
func ExampleTCPListenerFromFd() {
	l, err := mnet.TCPListenerFromFd(3)
	if err != nil {
		log.Fatal(err)
	}
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	const listener = mio.Token(0)
	poll.Registry().Register(l, listener, mio.Readable)
	conns := map[mio.Token]*mnet.TCPStream{}
	next := listener + 1
	events := mio.NewEvents(64)
	buf := make([]byte, 16<<10)
	for {
		if err := poll.Poll(events, -1); err != nil {
			log.Fatal(err)
		}
		for e := range events.Drain() {
			if e.Token() == listener {
				for {
					c, _, err := l.Accept()
					if err != nil {
						break // mio.ErrWouldBlock: all taken
					}
					poll.Registry().Register(c, next, mio.Readable)
					conns[next] = c
					next++
				}
				continue
			}
			c := conns[e.Token()]
			for {
				n, err := c.Read(buf)
				if errors.Is(err, mio.ErrWouldBlock) {
					break
				}
				if err != nil { // io.EOF, or the peer failed
					c.Close() // Close deregisters it too
					delete(conns, e.Token())
					break
				}
				c.Write(buf[:n]) // a short write drops the rest: a sketch
			}
		}
	}
}
