//go:build unix || windows

// Command proxy relays TCP connections to an upstream: both directions with
// back-pressure (a side is read only while the other has taken what was read
// before), half-close propagated (when one side ends, the other's write half
// is shut down once everything is delivered), connection errors logged,
// every descriptor closed when its pair ends. Bytes move through an
// mnet.Relay: small arrivals through a buffer, large ones spliced through a
// kernel pipe, both lent by the loop's pool (-max-pipes) only while bytes
// are in flight, so an idle pair holds its two sockets and nothing else;
// -copy never splices. With -loops N there are N event loops, each a
// goroutine with its own Poll and SO_REUSEPORT listener; -reuseport lets
// other processes share the address too: several proxies on one port, each
// within its own descriptor limit, or a restart that refuses nobody (start
// the new process, then SIGTERM the old one: it takes the clients already
// in its backlog, stops accepting and drains while the new one takes the
// rest; a client whose handshake lands on the old listener in the instant
// it closes can still be reset, as with any SO_REUSEPORT hand-over).
//
// For deployment: -connect-timeout and -idle-timeout close the pairs whose
// upstream does not answer or that stay silent; beyond -max-conns, new
// clients are closed at once (and counted in a log line once a second);
// SIGTERM or SIGINT stops accepting and lets the pairs finish for up to
// -drain-timeout before closing them (a second signal closes them at once);
// when the process runs out of descriptors, the loops stop accepting until
// a pair closes or a retry timer fires, and the clients waiting in the
// backlog are served then. The timers are a timer.Wheel per loop, whose
// next deadline is Poll's timeout.
//
//	go run ./examples/proxy -listen 127.0.0.1:8000 -upstream 127.0.0.1:9000 [-loops 2] [-idle-timeout 5m]
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
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
	"github.com/gomio/mio/timer"
)

// Tokens below firstPair name the listener, the waker and the loop's own
// timers; the pair in slot k of the loop's pairTable has firstPair+2k for
// its client and firstPair+2k+1 for its upstream, and its timer fires with
// its client's token.
const (
	listenerToken mio.Token = iota
	wakerToken
	drainToken       // the drain deadline
	acceptRetryToken // accept again after running out of descriptors
	rejectLogToken   // log the clients refused over -max-conns
	firstPair        = 6
)

const (
	// eventsPerPoll is the loop's ring. With 500 connections each sending
	// 512 B, 128 gave a p99 latency 4–13 % lower than 1024 over three
	// interleaved A/B runs of 4–8 rounds (25.8 against 29.7 ms, say), for
	// the same CPU per round trip; with fewer connections ready at once
	// the ring's size does not matter.
	eventsPerPoll = 128
	// acceptRetry is how long a loop out of descriptors waits before it
	// tries to accept again, unless a pair of its own closes first.
	acceptRetry = 100 * time.Millisecond
	// timerResolution is the wheel's tick: timeouts are meant in seconds,
	// and a coarse tick saves cascades.
	timerResolution = 10 * time.Millisecond
)

// config is what every loop is told.
type config struct {
	upstream       netip.AddrPort
	maxPipes       int // per loop; 0: never splice
	maxConns       int // pairs across all loops; 0: no limit
	connectTimeout time.Duration
	idleTimeout    time.Duration
	drainTimeout   time.Duration
	reusePort      bool // SO_REUSEPORT even with one loop: the address is shared with other processes
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8000", "address to accept clients on")
	upstream := flag.String("upstream", "127.0.0.1:9000", "address to relay to")
	copying := flag.Bool("copy", false, "relay through a user buffer alone, never splice")
	maxPipes := flag.Int("max-pipes", 32, "pipes each loop may open for splicing large transfers (1 MiB each when the kernel grants it)")
	loops := flag.Int("loops", 1, "event loops, one SO_REUSEPORT listener each")
	maxConns := flag.Int("max-conns", 0, "proxied pairs at most, across loops; beyond it new clients are closed at once (0: no limit)")
	connectTimeout := flag.Duration("connect-timeout", 5*time.Second, "how long an upstream may take to accept a connection (0: no limit)")
	idleTimeout := flag.Duration("idle-timeout", 0, "how long a pair may stay silent both ways before it is closed (0: no limit)")
	drainTimeout := flag.Duration("drain-timeout", 10*time.Second, "how long the pairs may take to finish after SIGTERM before they are closed")
	reusePort := flag.Bool("reuseport", false, "listen with SO_REUSEPORT even with one loop, so that other proxy processes share the address: several processes, or a new one started before the old is stopped (Linux)")
	flag.Parse()
	la, err := netip.ParseAddrPort(*listen)
	if err != nil {
		log.Fatal(err)
	}
	cfg := config{reusePort: *reusePort, maxConns: *maxConns, connectTimeout: *connectTimeout, idleTimeout: *idleTimeout, drainTimeout: *drainTimeout, maxPipes: *maxPipes}
	if cfg.upstream, err = netip.ParseAddrPort(*upstream); err != nil {
		log.Fatal(err)
	}
	if *copying {
		cfg.maxPipes = 0
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	px, err := start(la, max(1, *loops), &cfg)
	if err != nil {
		log.Fatal(err)
	}
	go px.reportOn(statsSignal()) // before the log line that says it is up
	log.Printf("listening on %v, relaying to %v", px.addr, cfg.upstream)
	if err := px.serve(sig); err != nil {
		log.Fatal(err)
	}
}

// proxy is the running loops and what they share.
type proxy struct {
	addr   netip.AddrPort
	loops  []*loop
	wakers []*mio.Waker
	conns  atomic.Int64 // pairs open, across loops
	stops  atomic.Int32 // stop signals received
}

// start listens on la with the given number of loops, each with a listener
// of its own (SO_REUSEPORT when more than one, or when cfg says the address
// is shared with other processes).
func start(la netip.AddrPort, loops int, cfg *config) (*proxy, error) {
	px := &proxy{}
	for range loops {
		listen := mnet.ListenTCP
		if loops > 1 || cfg.reusePort {
			listen = mnet.ListenTCPReusePort // Linux: the kernel spreads clients
		}
		l, err := listen(la)
		if err == nil {
			la, err = l.LocalAddr() // with port 0, the next loops share the chosen port
		}
		if err != nil {
			px.close()
			return nil, err
		}
		lp, err := newLoop(cfg, l, &px.conns, &px.stops)
		if err != nil {
			l.Close()
			px.close()
			return nil, err
		}
		px.loops = append(px.loops, lp)
		waker, err := mio.NewWaker(lp.r, wakerToken)
		if err != nil {
			px.close()
			return nil, err
		}
		px.wakers = append(px.wakers, waker)
	}
	px.addr = la
	return px, nil
}

// close releases the loops of a proxy that did not start serving.
func (px *proxy) close() {
	for _, w := range px.wakers {
		w.Close()
	}
	for _, lp := range px.loops {
		lp.close()
	}
}

// serve runs the loops until a signal on stop, then drains (see loop.stop),
// and returns when every loop has ended.
func (px *proxy) serve(stop <-chan os.Signal) error {
	defer func() {
		for _, w := range px.wakers {
			w.Close()
		}
	}()
	done := make(chan error, len(px.loops))
	for _, lp := range px.loops {
		// Not locked to a thread: a locked thread pays a hand-off through
		// the scheduler each time a blocking wait returns, which costs
		// more CPU and latency than it saves.
		go func() { done <- lp.run() }()
	}
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		for {
			select {
			case s := <-stop:
				if px.stops.Add(1) == 1 {
					log.Printf("%v: stopped accepting", s)
				} else {
					log.Printf("%v again: closing every pair", s)
				}
				for _, w := range px.wakers {
					w.Wake()
				}
			case <-quit:
				return
			}
		}
	}()
	var first error
	for range px.loops {
		if err := <-done; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// reportOn logs, at each signal on c, the pairs open, the descriptors and
// the heap in use after a collection: what a pair costs, for capacity
// planning (make proxybench's idle-pairs step reads it).
func (px *proxy) reportOn(c <-chan os.Signal) {
	for range c {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		log.Printf("stats: pairs %d, descriptors %d, heap %d bytes", px.conns.Load(), openDescriptors(), ms.HeapAlloc)
	}
}

// loop is one event loop: its listener, Poll, relay pool, timers and pairs.
// conns and stops are shared by every loop: the pairs open, and the stop
// signals received.
type loop struct {
	cfg  *config
	poll *mio.Poll
	r    *mio.Registry
	l    *mnet.TCPListener
	pool *mnet.RelayPool
	// buffers are the copy buffers where there is no mnet.Relay (off Linux).
	buffers buffers
	wheel   *timer.Wheel
	fire    func(mio.Token) // l.expired, bound once
	pairs   pairTable
	// accepted counts the pairs this loop has had: each pair's number in
	// the logs, which stays its own when its tokens go to a later pair.
	accepted uint64
	now      time.Time // when the current Poll returned

	conns *atomic.Int64
	stops *atomic.Int32

	// reserve is a descriptor held back for the upstream socket of a client
	// accepted with the last one free; nil while it is in use.
	reserve      *os.File
	draining     bool
	acceptPaused bool      // out of descriptors: accept again on a close or acceptRetry
	pauseLogged  time.Time // when a pause was last logged
	rejected     int       // clients refused over -max-conns and not yet logged
	rejectTimer  bool      // a rejectLogToken timer is pending
}

func newLoop(cfg *config, l *mnet.TCPListener, conns *atomic.Int64, stops *atomic.Int32) (*loop, error) {
	poll, err := mio.New()
	if err != nil {
		return nil, err
	}
	lp := &loop{cfg: cfg, poll: poll, r: poll.Registry(), l: l, conns: conns, stops: stops,
		pool: mnet.NewRelayPool(cfg.maxPipes)}
	lp.now = time.Now()
	lp.wheel = timer.New(timerResolution, lp.now)
	lp.fire = lp.expired
	if lp.reserve, err = os.Open(os.DevNull); err != nil {
		lp.close()
		return nil, err
	}
	if err := lp.r.Register(l, listenerToken, mio.Readable); err != nil {
		lp.close()
		return nil, err
	}
	return lp, nil
}

// close releases everything the loop holds.
func (lp *loop) close() {
	if lp.l != nil {
		lp.l.Close()
		lp.l = nil // and no accepting as the pairs close
	}
	lp.pairs.all(lp.closePair)
	if lp.reserve != nil {
		lp.reserve.Close()
	}
	lp.pool.Close()
	lp.poll.Close()
}

// addTimer arms a timer d after lp.now. The wheel counts durations from its
// own clock, the last Expire's time, which is before the Poll that this
// batch of events came out of: added as it is, a timeout set while the
// events are handled would start from before that wait and could fire up to
// the wait's length early.
func (lp *loop) addTimer(d time.Duration, tok mio.Token) timer.ID {
	return lp.wheel.Add(d+lp.now.Sub(lp.wheel.Now()), tok)
}

// run serves until the loop is stopped and drained.
func (lp *loop) run() error {
	defer lp.close()
	events := mio.NewEvents(eventsPerPoll)
	for {
		if err := lp.poll.Poll(events, lp.wheel.Next()); err != nil {
			return err
		}
		lp.now = time.Now()
		for ev := range events.Drain() {
			switch tok := ev.Token(); tok {
			case wakerToken:
				lp.stop()
			case listenerToken:
				if !lp.acceptPaused && lp.l != nil { // nil: closed by a stop earlier in this batch
					lp.accept()
				}
			default:
				lp.handle(tok, ev)
			}
		}
		lp.wheel.Expire(lp.now, lp.fire)
		lp.pairs.endBatch()
		if lp.draining && (lp.pairs.open == 0 || lp.stops.Load() > 1) {
			return nil
		}
	}
}

// stop begins the drain on the first stop signal: the listener closes (new
// clients are refused by the kernel), the pairs go on until they finish or
// the drain deadline passes. run returns once they are gone, or at once on
// a second signal.
func (lp *loop) stop() {
	if lp.draining {
		return
	}
	lp.draining = true
	// The clients whose handshake is done wait in the backlog, and closing
	// the listener would reset them: they are taken first, as pairs to
	// drain. Another process sharing the address (-reuseport) gets every
	// client from the close on.
	if !lp.acceptPaused {
		lp.accept()
	}
	lp.r.Deregister(lp.l)
	lp.l.Close()
	lp.l = nil
	if lp.pairs.open > 0 {
		log.Printf("draining %d pairs for up to %v", lp.pairs.open, lp.cfg.drainTimeout)
		lp.addTimer(lp.cfg.drainTimeout, drainToken)
	}
}

// accept takes the clients waiting in the backlog until none is left.
func (lp *loop) accept() {
	for {
		c, _, err := lp.l.Accept()
		switch {
		case errors.Is(err, mio.ErrWouldBlock):
			return
		case outOfDescriptors(err), errors.Is(err, syscall.ENOBUFS), errors.Is(err, syscall.ENOMEM):
			// The listener stays readable with clients waiting, but no
			// edge comes for them: accept again when a pair closes, or
			// after acceptRetry if descriptors free up elsewhere.
			lp.pauseAccept(err)
			return
		case err != nil:
			log.Printf("accept: %v", err)
			return
		}
		if lp.cfg.maxConns > 0 && lp.conns.Load() >= int64(lp.cfg.maxConns) {
			c.Close()
			lp.reject()
			continue
		}
		id := lp.pairs.token()
		p, err := lp.dial(c, id)
		short := outOfDescriptors(err)
		if short && lp.reserve != nil {
			// The client took the last descriptor: its upstream gets the
			// reserve, and accepting waits until the reserve is back.
			lp.reserve.Close()
			lp.reserve = nil
			p, err = lp.dial(c, id)
		}
		if err != nil {
			log.Printf("upstream %v: %v", lp.cfg.upstream, err)
			c.Close()
		} else {
			lp.conns.Add(1)
			lp.pairs.add(id, p)
			lp.accepted++
			p.seq = lp.accepted
		}
		if short {
			lp.pauseAccept(syscall.EMFILE)
			return
		}
	}
}

func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// pauseAccept stops accepting until a pair closes or acceptRetry passes;
// the log says so once a second at most, however often the retry fails.
func (lp *loop) pauseAccept(why error) {
	if lp.acceptPaused {
		return
	}
	lp.acceptPaused = true
	lp.addTimer(acceptRetry, acceptRetryToken)
	if lp.now.Sub(lp.pauseLogged) >= time.Second {
		lp.pauseLogged = lp.now
		log.Printf("accept: %v: pausing until a pair closes (retrying every %v)", why, acceptRetry)
	}
}

// resumeAccept accepts again after a pause, if the loop still listens and
// its reserve descriptor can be had again.
func (lp *loop) resumeAccept() {
	if !lp.acceptPaused || lp.l == nil {
		return
	}
	if lp.reserve == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			lp.addTimer(acceptRetry, acceptRetryToken)
			return
		}
		lp.reserve = f
	}
	lp.acceptPaused = false
	lp.accept()
}

// reject counts a client refused over -max-conns; the count is logged at
// most once a second, not per client.
func (lp *loop) reject() {
	lp.rejected++
	if !lp.rejectTimer {
		lp.rejectTimer = true
		lp.logRejected()
		lp.addTimer(time.Second, rejectLogToken)
	}
}

func (lp *loop) logRejected() {
	if lp.rejected > 0 {
		log.Printf("max-conns %d reached: %d clients closed", lp.cfg.maxConns, lp.rejected)
		lp.rejected = 0
	}
}

// expired handles a timer that fired.
func (lp *loop) expired(tok mio.Token) {
	switch tok {
	case drainToken:
		log.Printf("drain deadline: closing %d pairs", lp.pairs.open)
		lp.pairs.all(lp.closePair)
	case acceptRetryToken:
		lp.resumeAccept() // out of descriptors still: it pauses again
	case rejectLogToken:
		lp.rejectTimer = false
		if lp.rejected > 0 {
			lp.logRejected()
			lp.rejectTimer = true
			lp.addTimer(time.Second, rejectLogToken)
		}
	default:
		p := lp.pairs.get(tok)
		if p == nil {
			return
		}
		p.timer = timer.ID{}
		if !p.connected {
			log.Printf("pair %d: upstream did not connect within %v", p.seq, lp.cfg.connectTimeout)
			lp.closePair(tok, p)
			return
		}
		// The idle timer is not moved on every message: each event only
		// notes its time, and the timer, when it fires, sleeps again for
		// what is left.
		if idle := lp.now.Sub(p.active); idle < lp.cfg.idleTimeout {
			p.timer = lp.addTimer(lp.cfg.idleTimeout-idle, tok)
			return
		}
		log.Printf("pair %d: idle for %v", p.seq, lp.cfg.idleTimeout)
		lp.closePair(tok, p)
	}
}

// handle dispatches an event of a pair's side.
func (lp *loop) handle(tok mio.Token, ev mio.Event) {
	id := tok &^ 1
	p := lp.pairs.get(id)
	if p == nil {
		return // an event for a pair already closed
	}
	p.active = lp.now
	wasConnected := p.connected
	err := p.handle(ev, tok == id+1)
	if err == nil {
		err = p.listen(lp.r, id)
	}
	if err != nil {
		log.Printf("pair %d: %v", p.seq, err)
	}
	if p.err() != nil || (p.finished[0] && p.finished[1]) {
		lp.closePair(id, p)
		return
	}
	if p.connected && !wasConnected {
		lp.wheel.Cancel(p.timer)
		p.timer = timer.ID{}
		if lp.cfg.idleTimeout > 0 {
			p.timer = lp.addTimer(lp.cfg.idleTimeout, id)
		}
	}
}

// closePair ends a pair, and lets a loop paused for descriptors accept
// again now that two are free.
func (lp *loop) closePair(id mio.Token, p *pair) {
	p.close(lp.r)
	lp.wheel.Cancel(p.timer)
	lp.pairs.remove(id, p)
	lp.conns.Add(-1)
	lp.resumeAccept()
}

// dial starts the upstream connection and registers both sides for reads
// and writes, edge-triggered. Writable stays on (an edge comes only after a
// full send buffer drains); Readable goes off while the side's bytes wait
// for the other side (see listen).
func (lp *loop) dial(c *mnet.TCPStream, id mio.Token) (*pair, error) {
	u, err := mnet.ConnectTCP(lp.cfg.upstream)
	if err != nil {
		return nil, err
	}
	c.SetNoDelay(true)
	u.SetNoDelay(true)
	p := &pair{client: c, upstream: u}
	up, err := lp.pool.NewRelay(u, c)
	if errors.Is(err, errors.ErrUnsupported) { // no Relay on this OS: copy
		p.up = &direction{src: c, dst: u, buffers: &lp.buffers}
		p.down = &direction{src: u, dst: c, buffers: &lp.buffers}
	} else {
		if err != nil {
			u.Close()
			return nil, err
		}
		down, err := lp.pool.NewRelay(c, u)
		if err != nil {
			up.Close()
			u.Close()
			return nil, err
		}
		p.up, p.down = &relayed{relay: up, dst: u}, &relayed{relay: down, dst: c}
	}
	p.reading = [2]bool{true, true}
	if err := lp.r.Register(c, id, mio.Readable|mio.Writable); err != nil {
		p.up.close()
		p.down.close()
		u.Close()
		return nil, err
	}
	if err := lp.r.Register(u, id+1, mio.Readable|mio.Writable); err != nil {
		p.up.close()
		p.down.close()
		lp.r.Deregister(c)
		u.Close()
		return nil, err
	}
	if lp.cfg.connectTimeout > 0 {
		p.timer = lp.addTimer(lp.cfg.connectTimeout, id)
	}
	return p, nil
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
	srcQuiet srcState = iota // no event of the source yet: nothing to read
	srcEdge                  // an edge of the source: a short read drains it
	srcEnded                 // the source's event reported its peer's end
)

// readState is what an event says of its side as a source.
func readState(ev mio.Event) srcState {
	switch {
	case ev.IsReadClosed() || ev.IsError():
		return srcEnded
	case ev.IsReadable():
		return srcEdge
	}
	return srcQuiet
}

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
	_, err := d.relay.PumpEdge(src == srcEnded)
	switch {
	case wouldBlock(err):
		return false, nil
	case err == io.EOF:
		d.shut = true
		return true, d.dst.Shutdown(mnet.ShutdownWrite)
	}
	return false, err
}

// wouldBlock is errors.Is(err, mio.ErrWouldBlock), which both kinds of
// direction see once per message each way, with the sentinel itself, as
// the relay and the streams return it, compared first: errors.Is alone was
// 6 % of the loop's own time.
func wouldBlock(err error) bool {
	return err == mio.ErrWouldBlock || errors.Is(err, mio.ErrWouldBlock)
}

func (d *relayed) full() bool { return d.relay.Buffered() > 0 }

func (d *relayed) close() { d.relay.Close() }

// direction is one way of a pair where there is no mnet.Relay (off Linux):
// bytes read from src, not yet written to dst, in a buffer borrowed from
// the loop's buffers only while they wait, so that an idle pair holds none
// (as a Relay holds neither buffer nor pipe).
type direction struct {
	src, dst   *mnet.TCPStream
	buffers    *buffers
	buf        []byte
	start, end int
	eof        bool // src has ended
	shut       bool // dst's write half has been shut down after eof
}

func (d *direction) full() bool { return d.start < d.end }

func (d *direction) close() { d.giveBack() }

// giveBack returns the buffer, which holds nothing that waits.
func (d *direction) giveBack() {
	if d.buf != nil {
		d.buffers.put(d.buf)
		d.buf, d.start, d.end = nil, 0, 0
	}
}

// pump moves bytes until a side would block.
func (d *direction) pump(srcState) (bool, error) {
	for !d.shut {
		if d.start < d.end {
			n, err := d.dst.Write(d.buf[d.start:d.end])
			if wouldBlock(err) {
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
			d.giveBack()
			d.shut = true
			return true, d.dst.Shutdown(mnet.ShutdownWrite)
		}
		if d.buf == nil {
			d.buf = d.buffers.get()
		}
		n, err := d.src.Read(d.buf)
		switch {
		case wouldBlock(err):
			d.giveBack()
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

// buffers lends the copy buffers of a loop's directions: each is held only
// while the bytes read into it wait for their destination, and up to
// maxIdleBuffers stay for the next arrivals.
type buffers struct{ idle [][]byte }

const (
	// copyBuffer is the size of a direction's buffer: one read of up to
	// this much, then its write.
	copyBuffer = 64 << 10
	// maxIdleBuffers bound what a loop keeps after a burst.
	maxIdleBuffers = 64
)

func (b *buffers) get() []byte {
	if n := len(b.idle); n > 0 {
		buf := b.idle[n-1]
		b.idle = b.idle[:n-1]
		return buf
	}
	return make([]byte, copyBuffer)
}

func (b *buffers) put(buf []byte) {
	if len(b.idle) < maxIdleBuffers {
		b.idle = append(b.idle, buf)
	}
}

// pair is a client and its upstream connection.
type pair struct {
	client, upstream *mnet.TCPStream
	connected        bool
	up, down         mover
	finished         [2]bool
	failed           error
	reading          [2]bool   // client, upstream: registered for Readable
	early            srcState  // the client's events before the upstream connected
	timer            timer.ID  // the connect timeout, then the idle timeout
	active           time.Time // when the pair last had an event
	seq              uint64    // the loop's count of pairs when this one came: its name in the logs
}

func (p *pair) close(r *mio.Registry) {
	p.up.close()
	p.down.close()
	for _, s := range []*mnet.TCPStream{p.client, p.upstream} {
		r.Deregister(s)
		s.Close()
	}
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
			// Relaying waits for the upstream; what the client's events
			// said is kept for then.
			p.early = max(p.early, readState(ev))
			return nil
		}
		if err := p.upstream.TakeError(); err != nil {
			p.failed = fmt.Errorf("connect: %w", err)
			return p.failed
		}
		if _, err := p.upstream.PeerAddr(); err != nil {
			return nil // not connected yet: a later writable event says when
		}
		p.connected = true
		if p.early != srcQuiet { // the client sent, or even ended, meanwhile
			if err := p.pump(p.up, 0, p.early); err != nil {
				return err
			}
		}
	}
	if src := readState(ev); src != srcQuiet {
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
