//go:build linux || windows || darwin || dragonfly || freebsd || netbsd || openbsd

// Command proxy relays TCP connections to an upstream: both directions with
// back-pressure (a side is read only while the other has taken what was read
// before), half-close propagated (when one side ends, the other's write half
// is shut down once everything is delivered), connection errors logged,
// every descriptor closed when its pair ends. Bytes move through an
// mnet.Relay: small arrivals through a buffer, large ones spliced through a
// kernel pipe, both lent by the loop's pool (-max-pipes) only while bytes
// are in flight, so an idle pair holds its two sockets and nothing else;
// -copy never splices. With
// -loops N there are N event loops, each a goroutine with its own Poll and
// SO_REUSEPORT listener.
//
//	go run ./examples/proxy -listen 127.0.0.1:8000 -upstream 127.0.0.1:9000 [-copy] [-loops 2]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

const (
	listenerToken mio.Token = iota
	wakerToken
	firstPair
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8000", "address to accept clients on")
	upstream := flag.String("upstream", "127.0.0.1:9000", "address to relay to")
	copying := flag.Bool("copy", false, "relay through a user buffer alone, never splice")
	maxPipes := flag.Int("max-pipes", 32, "pipes each loop may open for splicing large transfers (1 MiB each when the kernel grants it)")
	loops := flag.Int("loops", 1, "event loops, one SO_REUSEPORT listener each")
	flag.Parse()
	la, err := netip.ParseAddrPort(*listen)
	if err != nil {
		log.Fatal(err)
	}
	ua, err := netip.ParseAddrPort(*upstream)
	if err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var wakers []*mio.Waker
	done := make(chan error)
	for range max(1, *loops) {
		listen := mnet.ListenTCP
		if *loops > 1 {
			listen = mnet.ListenTCPReusePort // Linux: the kernel spreads clients
		}
		l, err := listen(la)
		if err != nil {
			log.Fatal(err)
		}
		la, _ = l.LocalAddr() // with port 0, the next loops share the chosen port
		poll, err := mio.New()
		if err != nil {
			log.Fatal(err)
		}
		waker, err := mio.NewWaker(poll.Registry(), wakerToken)
		if err != nil {
			log.Fatal(err)
		}
		wakers = append(wakers, waker)
		// Not locked to a thread: a locked thread pays a hand-off through
		// the scheduler each time a blocking wait returns, which costs
		// more CPU and latency than it saves.
		pipes := *maxPipes
		if *copying {
			pipes = 0
		}
		go func() { done <- serve(poll, l, ua, pipes) }()
	}
	go func() {
		<-sig
		for _, w := range wakers {
			w.Wake()
		}
	}()
	for range wakers {
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}
}

// mover moves one direction of a pair until a side would block.
type mover interface {
	// pump reports whether the direction is finished: the source ended, all
	// was delivered, and the destination's write half is shut down.
	pump(src srcState) (finished bool, err error)
	// full reports whether bytes read from the source wait for the
	// destination: the source is not read, nor listened to, until they go.
	full() bool
	close()
}

// srcState is what the loop knows of a direction's source as it pumps.
type srcState int

const (
	srcUnknown srcState = iota // events went by unread: read until EAGAIN
	srcEdge                    // an edge of the source: a short read drains it
	srcEnded                   // the source's event reported its peer's end
)

// relayed is a direction through an mnet.Relay: small arrivals through a
// buffer, large ones spliced through a pipe, both borrowed from the loop's
// pool only while bytes are in flight.
type relayed struct {
	relay *mnet.Relay
	dst   *mnet.TCPStream
	shut  bool
}

func (d *relayed) pump(src srcState) (bool, error) {
	if d.shut {
		return true, nil
	}
	var err error
	if src == srcUnknown {
		_, err = d.relay.Pump()
	} else {
		_, err = d.relay.PumpEdge(src == srcEnded)
	}
	switch {
	case errors.Is(err, mio.ErrWouldBlock):
		return false, nil
	case err == io.EOF:
		d.shut = true
		return true, d.dst.Shutdown(mnet.ShutdownWrite)
	}
	return false, err
}

func (d *relayed) full() bool { return d.relay.Buffered() > 0 }

func (d *relayed) close() { d.relay.Close() }

// direction is one way of a pair where there is no mnet.Relay (off Linux):
// bytes read from src, not yet written to dst.
type direction struct {
	src, dst   *mnet.TCPStream
	buf        []byte
	start, end int
	eof        bool // src has ended
	shut       bool // dst's write half has been shut down after eof
}

func (d *direction) full() bool { return d.start < d.end }

func (d *direction) close() {}

// pump moves bytes until a side would block.
func (d *direction) pump(srcState) (bool, error) {
	for !d.shut {
		if d.start < d.end {
			n, err := d.dst.Write(d.buf[d.start:d.end])
			if errors.Is(err, mio.ErrWouldBlock) {
				return false, nil // back-pressure: src is not read until dst drains
			}
			if err != nil {
				return false, err
			}
			d.start += n
			continue
		}
		d.start, d.end = 0, 0
		if d.eof {
			d.shut = true
			return true, d.dst.Shutdown(mnet.ShutdownWrite)
		}
		n, err := d.src.Read(d.buf)
		switch {
		case errors.Is(err, mio.ErrWouldBlock):
			return false, nil
		case err == io.EOF:
			d.eof = true
		case err != nil:
			return false, err
		default:
			d.end = n
		}
	}
	return true, nil
}

// pair is a client and its upstream connection.
type pair struct {
	client, upstream *mnet.TCPStream
	connected        bool
	up, down         mover
	finished         [2]bool
	failed           error
	reading          [2]bool // client, upstream: registered for Readable
}

func (p *pair) close(r *mio.Registry) {
	p.up.close()
	p.down.close()
	for _, s := range []*mnet.TCPStream{p.client, p.upstream} {
		r.Deregister(s)
		s.Close()
	}
}

// serve runs the loop until the waker fires. Each pair uses two tokens:
// 2k for the client and 2k+1 for its upstream. The loop's relays share a
// pool of at most maxPipes pipes; with none, they copy through buffers.
func serve(poll *mio.Poll, l *mnet.TCPListener, upstream netip.AddrPort, maxPipes int) error {
	defer poll.Close()
	defer l.Close()
	r := poll.Registry()
	if err := r.Register(l, listenerToken, mio.Readable); err != nil {
		return err
	}
	pool := mnet.NewRelayPool(maxPipes)
	defer pool.Close()
	pairs := map[mio.Token]*pair{}
	defer func() {
		for _, p := range pairs {
			p.close(r)
		}
	}()
	next := firstPair
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
					c, _, err := l.Accept()
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err != nil {
						log.Printf("accept: %v", err)
						break
					}
					p, err := dial(r, pool, c, upstream, next)
					if err != nil {
						log.Printf("upstream %v: %v", upstream, err)
						c.Close()
						continue
					}
					pairs[next] = p
					next += 2
				}
			default:
				id := tok &^ 1
				p := pairs[id]
				if p == nil {
					continue // spurious event for a pair already closed
				}
				err := p.handle(ev, tok == id+1)
				if err == nil {
					err = p.listen(r, id)
				}
				if err != nil {
					log.Printf("pair %d: %v", id, err)
				}
				if err := p.err(); err != nil || (p.finished[0] && p.finished[1]) {
					p.close(r)
					delete(pairs, id)
				}
			}
		}
	}
}

// dial starts the upstream connection and registers both sides for reads
// and writes, edge-triggered. Writable stays on (an edge comes only after a
// full send buffer drains); Readable goes off while the side's bytes wait
// for the other side (see listen).
func dial(r *mio.Registry, pool *mnet.RelayPool, c *mnet.TCPStream, upstream netip.AddrPort, id mio.Token) (*pair, error) {
	u, err := mnet.ConnectTCP(upstream)
	if err != nil {
		return nil, err
	}
	c.SetNoDelay(true)
	u.SetNoDelay(true)
	p := &pair{client: c, upstream: u}
	up, err := pool.NewRelay(u, c)
	if errors.Is(err, errors.ErrUnsupported) { // no Relay on this OS: copy
		p.up = &direction{src: c, dst: u, buf: make([]byte, 64<<10)}
		p.down = &direction{src: u, dst: c, buf: make([]byte, 64<<10)}
	} else {
		if err != nil {
			u.Close()
			return nil, err
		}
		down, err := pool.NewRelay(c, u)
		if err != nil {
			up.Close()
			u.Close()
			return nil, err
		}
		p.up, p.down = &relayed{relay: up, dst: u}, &relayed{relay: down, dst: c}
	}
	p.reading = [2]bool{true, true}
	if err := r.Register(c, id, mio.Readable|mio.Writable); err != nil {
		p.up.close()
		p.down.close()
		u.Close()
		return nil, err
	}
	if err := r.Register(u, id+1, mio.Readable|mio.Writable); err != nil {
		p.up.close()
		p.down.close()
		r.Deregister(c)
		u.Close()
		return nil, err
	}
	return p, nil
}

// listen registers each side for Readable only while what was read from it
// has been delivered. Without this, every arrival on a client whose upstream
// is full wakes the loop for nothing: in a bulk transfer, ten times the
// wake-ups (measured with bench's relay mover). It costs an epoll_ctl only
// when back-pressure starts or ends, never per message.
func (p *pair) listen(r *mio.Registry, id mio.Token) error {
	for i, d := range [2]struct {
		s   *mnet.TCPStream
		out mover
	}{{p.client, p.up}, {p.upstream, p.down}} {
		if read := !d.out.full(); read != p.reading[i] {
			interest := mio.Writable
			if read {
				interest |= mio.Readable
			}
			if err := r.Reregister(d.s, id+mio.Token(i), interest); err != nil {
				p.failed = err
				return err
			}
			p.reading[i] = read
		}
	}
	return nil
}

// err is the error that ended the pair, if any.
func (p *pair) err() error { return p.failed }

// handle pumps what an event of one side may have unblocked: the direction
// out of that side when it is readable (or closed, or failed: the pump
// reports it), the direction into it when it is writable and bytes wait
// for it. Nothing else is tried, so that no call is made that would only
// say EAGAIN.
func (p *pair) handle(ev mio.Event, fromUpstream bool) error {
	out, in, outIdx := p.up, p.down, 0
	if fromUpstream {
		out, in, outIdx = p.down, p.up, 1
	}
	if !p.connected {
		if !fromUpstream {
			return nil // wait for the upstream to connect before relaying
		}
		if err := p.upstream.TakeError(); err != nil {
			p.failed = fmt.Errorf("connect: %w", err)
			return p.failed
		}
		if _, err := p.upstream.PeerAddr(); err != nil {
			return nil // not connected yet: a later writable event says when
		}
		p.connected = true
		// The client may have sent, and even ended, before the upstream was
		// there: its events went by unread, so read it to EAGAIN.
		if err := p.pump(p.up, 0, srcUnknown); err != nil {
			return err
		}
	}
	if ev.IsReadable() || ev.IsReadClosed() || ev.IsError() {
		src := srcEdge
		if ev.IsReadClosed() || ev.IsError() {
			src = srcEnded
		}
		if err := p.pump(out, outIdx, src); err != nil {
			return err
		}
	}
	if ev.IsWritable() && in.full() {
		return p.pump(in, 1-outIdx, srcEdge)
	}
	return nil
}

func (p *pair) pump(d mover, i int, src srcState) error {
	finished, err := d.pump(src)
	if err != nil {
		p.failed = err
		return err
	}
	p.finished[i] = finished
	return nil
}
