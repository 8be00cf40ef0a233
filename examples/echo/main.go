//go:build linux || windows || darwin || dragonfly || freebsd || netbsd || openbsd

// Command echo is an echo server on one event loop, the shape most mio
// programs start from: per-connection state, reads until would-block, output
// that does not fit kept with back-pressure (reading stops until the socket
// is writable again), TCP_NODELAY, and a clean shutdown on SIGINT. With
// -loops N there are N event loops, each a goroutine with its own Poll and
// SO_REUSEPORT listener, and -busypoll spins before each wait blocks.
//
//	go run ./examples/echo -addr 127.0.0.1:9000 [-loops 2] [-busypoll 50us]
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

const (
	listenerToken mio.Token = iota
	wakerToken
	firstConn
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
	_, stop, err := start(ap, *loops, *busy)
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

// start runs n event loops, each a goroutine with its own Poll and
// SO_REUSEPORT listener on ap, and returns the address they share and a
// function that stops them all and waits for them.
func start(ap netip.AddrPort, n int, busy time.Duration) (netip.AddrPort, func() error, error) {
	var wakers []*mio.Waker
	done := make(chan error)
	stop := func() error {
		for _, w := range wakers {
			w.Wake()
		}
		var first error
		for range wakers {
			if err := <-done; err != nil && first == nil {
				first = err
			}
		}
		// Only now: closing a waker deregisters it, and a wake its loop has
		// not collected yet would go with it.
		for _, w := range wakers {
			w.Close()
		}
		return first
	}
	for range max(1, n) {
		l, err := mnet.ListenTCPReusePort(ap)
		if err != nil {
			stop()
			return ap, nil, err
		}
		ap, _ = l.LocalAddr() // with port 0, the next loops share the chosen port
		poll, err := mio.New()
		if err != nil {
			l.Close()
			stop()
			return ap, nil, err
		}
		poll.SetBusyPoll(busy)
		waker, err := mio.NewWaker(poll.Registry(), wakerToken)
		if err != nil {
			l.Close()
			poll.Close()
			stop()
			return ap, nil, err
		}
		wakers = append(wakers, waker)
		// Not locked to a thread: a locked thread pays a hand-off through
		// the scheduler each time a blocking wait returns, which costs
		// more CPU and latency than it saves.
		go func() { done <- serve(poll, l) }()
	}
	return ap, stop, nil
}

// conn is one client: its stream and the bytes it has sent that could not
// be written back yet.
type conn struct {
	stream  *mnet.TCPStream
	pending []byte
}

// serve runs the loop until the waker fires, then closes everything.
func serve(poll *mio.Poll, l *mnet.TCPListener) error {
	defer poll.Close()
	defer l.Close()
	if err := poll.Registry().Register(l, listenerToken, mio.Readable); err != nil {
		return err
	}
	conns := map[mio.Token]*conn{}
	defer func() {
		for _, c := range conns {
			c.stream.Close()
		}
	}()
	next := firstConn
	buf := make([]byte, 64<<10)
	events := mio.NewEvents(1024)
	for {
		if err := poll.Poll(events, -1); err != nil {
			return err
		}
		for ev := range events.Drain() {
			switch tok := ev.Token(); tok {
			case wakerToken:
				return nil
			case listenerToken:
				for {
					s, _, err := l.Accept()
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err != nil {
						log.Printf("accept: %v", err)
						break
					}
					s.SetNoDelay(true)
					if err := poll.Registry().Register(s, next, mio.Readable); err != nil {
						s.Close()
						return err
					}
					conns[next] = &conn{stream: s}
					next++
				}
			default:
				c := conns[tok]
				if c == nil {
					continue // spurious event for a connection already closed
				}
				if err := c.handle(poll.Registry(), tok, ev, buf); err != nil {
					if err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
						log.Printf("conn %d: %v", tok, err) // a reset is routine
					}
					poll.Registry().Deregister(c.stream)
					c.stream.Close()
					delete(conns, tok)
				}
			}
		}
	}
}

// handle flushes pending output when writable, then echoes what arrived.
// While output is pending the connection waits for writability only, so a
// client that does not read cannot make the server buffer without bound.
func (c *conn) handle(r *mio.Registry, tok mio.Token, ev mio.Event, buf []byte) error {
	if len(c.pending) > 0 {
		n, err := writeSome(c.stream, c.pending)
		if err != nil {
			return err
		}
		if c.pending = c.pending[n:]; len(c.pending) > 0 {
			return nil // still blocked: wait for the next writable event
		}
		if err := r.Reregister(c.stream, tok, mio.Readable); err != nil {
			return err
		}
	}
	for {
		n, err := c.stream.Read(buf)
		if errors.Is(err, mio.ErrWouldBlock) {
			return nil
		}
		if err != nil {
			return err
		}
		w, err := writeSome(c.stream, buf[:n])
		if err != nil {
			return err
		}
		if w < n {
			// Keep the rest (in a buffer of our own: buf is reused) and
			// stop reading until the client takes it.
			c.pending = append(c.pending[:0:0], buf[w:n]...)
			return r.Reregister(c.stream, tok, mio.Writable)
		}
		if n < len(buf) && !ev.IsReadClosed() {
			// A short read drained the socket (epoll(7)): the next byte
			// brings a new edge, so there is no need to read to EAGAIN.
			// Not so once the peer has shut down: its FIN may have come
			// with this very edge, and reading on is what finds io.EOF.
			return nil
		}
	}
}

// writeSome writes p until it is all written or the socket is full, and
// returns how much was written.
func writeSome(s *mnet.TCPStream, p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := s.Write(p[written:])
		if errors.Is(err, mio.ErrWouldBlock) {
			break
		}
		if err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}
