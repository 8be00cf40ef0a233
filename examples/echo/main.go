//go:build unix || windows

// Command echo is an echo server on one event loop, the shape most mio
// programs start from: per-connection state, reads until would-block, output
// that does not fit kept with back-pressure (reading stops until the socket
// is writable again), TCP_NODELAY, and a clean shutdown on SIGINT. The loop
// is in the package server beside this file. With
// -loops N there are N event loops, each a goroutine with its own Poll and
// SO_REUSEPORT listener, and -busypoll spins before each wait blocks.
//
//	go run ./examples/echo -addr 127.0.0.1:9000 [-loops 2] [-busypoll 50us]
package main

import (
	"flag"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/gomio/mio/examples/echo/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "address to listen on")
	loops := flag.Int("loops", 1, "event loops, one SO_REUSEPORT listener each")
	busy := flag.Duration("busypoll", 0, "spin this long before each wait blocks")
	flag.Parse()
	ap, err := netip.ParseAddrPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	_, stop, err := server.Start(ap, *loops, *busy)
	if err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	if err := stop(); err != nil {
		log.Fatal(err)
	}
}
