//go:build unix || windows

// Package server is the echo example's event loop: per-connection state,
// reads until would-block (or a short read), output that does not fit kept
// with back-pressure (reading stops until the socket is writable again) and
// TCP_NODELAY. It is a package, not part of the command, so that benchmarks
// run this very loop in their own process; the command (../main.go) adds
// flags and the shutdown on SIGINT.
package server

import (
	"errors"
	"io"
	"log"
	"net/netip"
	"syscall"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// The loop's tokens: its listener, the waker that stops it, and then one
// per connection.
const (
	listenerToken mio.Token = iota
	// WakerToken is the token of the waker that stops Serve.
	WakerToken
	firstConn
)

// Start runs n event loops, each a goroutine with its own Poll and
// listener on ap (SO_REUSEPORT listeners when n > 1, which only Linux
// has), each busy polling for up to busy before its waits block, and
// returns the address they share and a function that stops them all and
// waits for them.
func Start(ap netip.AddrPort, n int, busy time.Duration) (netip.AddrPort, func() error, error) {
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
		listen := mnet.ListenTCP
		if n > 1 {
			listen = mnet.ListenTCPReusePort // Linux: the kernel spreads clients
		}
		l, err := listen(ap)
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
		waker, err := mio.NewWaker(poll.Registry(), WakerToken)
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
		go func() { done <- Serve(poll, l) }()
	}
	return ap, stop, nil
}

// conn is one client: its stream and the bytes it has sent that could not
// be written back yet.
type conn struct {
	stream  *mnet.TCPStream
	pending []byte
}

// table holds the connections, indexed by token: a slice lookup per event
// where a map costs a hash and, with hundreds of connections, cache misses.
// Tokens of closed connections are reused.
type table struct {
	slots []*conn
	free  []mio.Token
}

// add stores a new connection for s and returns its token.
func (t *table) add(s *mnet.TCPStream) mio.Token {
	c := &conn{stream: s}
	if n := len(t.free); n > 0 {
		tok := t.free[n-1]
		t.free = t.free[:n-1]
		t.slots[tok-firstConn] = c
		return tok
	}
	t.slots = append(t.slots, c)
	return firstConn + mio.Token(len(t.slots)-1)
}

// get returns the connection of tok, or nil.
func (t *table) get(tok mio.Token) *conn {
	if i := tok - firstConn; tok >= firstConn && i < mio.Token(len(t.slots)) {
		return t.slots[i]
	}
	return nil
}

func (t *table) remove(tok mio.Token) {
	t.slots[tok-firstConn] = nil
	t.free = append(t.free, tok)
}

func (t *table) closeAll() {
	for _, c := range t.slots {
		if c != nil {
			c.stream.Close()
		}
	}
}

// Serve runs the loop of poll over l until the waker registered with
// WakerToken fires, then closes the Poll, the listener and every
// connection.
func Serve(poll *mio.Poll, l *mnet.TCPListener) error {
	defer poll.Close()
	defer l.Close()
	if err := poll.Registry().Register(l, listenerToken, mio.Readable); err != nil {
		return err
	}
	var conns table
	defer conns.closeAll()
	buf := make([]byte, 64<<10)
	events := mio.NewEvents(1024)
	for {
		if err := poll.Poll(events, -1); err != nil {
			return err
		}
		for ev := range events.Drain() {
			switch tok := ev.Token(); tok {
			case WakerToken:
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
					tok := conns.add(s)
					if err := poll.Registry().Register(s, tok, mio.Readable); err != nil {
						conns.remove(tok)
						s.Close()
						return err
					}
				}
			default:
				c := conns.get(tok)
				if c == nil {
					continue // spurious event for a connection already closed
				}
				if err := c.handle(poll.Registry(), tok, ev, buf); err != nil {
					if err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
						log.Printf("conn %d: %v", tok, err) // a reset is routine
					}
					poll.Registry().Deregister(c.stream)
					c.stream.Close()
					conns.remove(tok)
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
