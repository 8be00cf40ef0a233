//go:build linux

package net

import (
	"fmt"
	"io"
	"runtime"
	"unsafe"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/rawsys"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// Relay moves bytes one way, from src to dst. Small arrivals go through a
// small user buffer with read and write; once an arrival fills that buffer
// (more than spliceThreshold bytes were waiting), the relay splices through
// a kernel pipe instead, and the bytes never enter user memory. Pipe and
// buffer are borrowed from a RelayPool only while bytes are in flight: an
// idle Relay holds neither, so a proxy's idle connection costs its two
// sockets and nothing more. Bytes that dst cannot take yet wait in the pipe
// or the buffer. A Relay is for one goroutine at a time, the goroutine of
// its pool; for both directions of a proxy, use two.
type Relay struct {
	dst, src *TCPStream
	pool     *RelayPool
	ownPool  bool // made by NewRelay: the pool is the relay's alone

	pipe   relayPipe // borrowed while inPipe > 0 (r < 0: none)
	inPipe int       // bytes in the pipe

	buf        []byte // borrowed while start < end (nil: none)
	start, end int

	// streaming is set when a read filled the buffer: more was waiting, so
	// the next reads splice (a stream of large arrivals). It is cleared when
	// one Pump reads less than spliceThreshold in all.
	streaming bool
	srcClosed bool // PumpEdge was told that src's end has arrived
	srcEOF    bool
	closed    bool
}

const (
	// spliceThreshold: arrivals up to this size are read into a buffer and
	// written out, two syscalls for the pair; a splice costs as many calls
	// per hop through the pipe and wins only when it spares a copy of more
	// than a few pages (HAProxy's threshold is the same 4 KiB).
	spliceThreshold = 4 << 10
	// relayPipeSize is the pipe capacity asked for: 1 MiB (Linux's default
	// pipe-max-size), so that one splice moves what 16 would with the
	// default 64 KiB. What the kernel grants is read back.
	relayPipeSize = 1 << 20
	// maxIdleBuffers bounds the buffers a pool keeps for reuse; a burst
	// of back-pressured relays past it leaves its extra buffers to the GC.
	maxIdleBuffers = 256
)

// RelayPool lends kernel pipes and small buffers to the relays made from it,
// only while bytes are in flight, so that a loop with many connections uses
// as many pipes as it has large transfers under way, never one per relay.
// At most maxPipes pipes are open at once (two descriptors each, as
// HAProxy's maxpipes); a relay that finds none free moves its bytes through
// its buffer instead. A pool and its relays belong to one goroutine, the
// event loop that pumps them.
type RelayPool struct {
	maxPipes int
	open     int // pipes open: lent plus idle
	idle     []relayPipe
	buffers  [][]byte
	closed   bool
}

// relayPipe is one kernel pipe: its read and write ends and the capacity
// the kernel granted (an unprivileged user past pipe-user-pages-soft gets
// two pages, whatever was asked).
type relayPipe struct {
	r, w, capacity int
}

var noPipe = relayPipe{r: -1, w: -1}

// NewRelayPool returns a pool that keeps at most maxPipes pipes open; with
// maxPipes <= 0, its relays never splice.
func NewRelayPool(maxPipes int) *RelayPool {
	return &RelayPool{maxPipes: max(maxPipes, 0)}
}

// NewRelay creates a relay from src to dst that borrows from p. The streams
// stay owned by the caller; Close the relay to give back what it holds.
func (p *RelayPool) NewRelay(dst, src *TCPStream) (*Relay, error) {
	if dst == nil || src == nil {
		return nil, fmt.Errorf("mio/net: relay needs two streams: %w", mio.ErrNilSource)
	}
	if p == nil {
		return nil, fmt.Errorf("mio/net: relay needs a pool: %w", mio.ErrNilSource)
	}
	return &Relay{dst: dst, src: src, pool: p, pipe: noPipe}, nil
}

// NewRelay creates a relay from src to dst with a pool of its own, of one
// pipe, opened on first use and kept until the relay is closed. The streams stay owned by the
// caller; the Relay owns only its pipe and buffer (release them with Close).
// A loop with many relays shares one RelayPool among them instead.
func NewRelay(dst, src *TCPStream) (*Relay, error) {
	r, err := NewRelayPool(1).NewRelay(dst, src)
	if err != nil {
		return nil, err
	}
	r.ownPool = true
	return r, nil
}

// Pump moves bytes from src to dst until one side would block, and returns
// the bytes delivered to dst by this call: with mio.ErrWouldBlock when it
// stopped because a side would block (wait for src readable or dst
// writable), with io.EOF once src has ended and everything is delivered.
// It never shuts dst down: the caller decides, for instance with
// dst.Shutdown(ShutdownWrite) to propagate a half-close. Pump reads src
// until it would block; a loop that knows src's events saves that last
// read with PumpEdge.
func (r *Relay) Pump() (int64, error) { return r.pump(false) }

// PumpEdge is Pump for an event loop that says, with srcClosed, whether
// src's event reported its peer's end (mio.Event.IsReadClosed; false on an
// event of dst). It trusts a read that returns less than asked to have
// drained src, as epoll(7) allows: the next arrival brings an edge of its
// own, so Pump need not read again to see EAGAIN. The one arrival that
// brings no edge of its own is the end of src when it came with the last
// bytes, and the event says so; from then on the relay reads src to its end.
//
// A write that takes less than it was given has filled dst (a writable
// edge follows), so it is not retried to see EAGAIN either. Splices are
// the exception: a short splice from a socket may only mean the pipe ran
// out of slots, and a short splice into one does not promise a writable
// edge, so both are repeated until EAGAIN.
func (r *Relay) PumpEdge(srcClosed bool) (int64, error) {
	r.srcClosed = r.srcClosed || srcClosed
	return r.pump(!r.srcClosed)
}

// pump is Pump; with trustShortReads, a short read of src ends it.
func (r *Relay) pump(trustShortReads bool) (int64, error) {
	if r.closed {
		return 0, mio.ErrClosed
	}
	dfd, err := r.dst.sysfd()
	if err != nil {
		return 0, err
	}
	sfd, err := r.src.sysfd()
	if err != nil {
		return 0, err
	}
	var delivered int64
	read, drained := 0, false
	for {
		// What waits goes first; a relay never holds bytes in the pipe and
		// the buffer at once, since it reads only when both are empty.
		if r.inPipe > 0 {
			n, err := splice(r.pipe.r, dfd, r.inPipe)
			if err != nil {
				return r.pause(delivered, err)
			}
			r.inPipe -= n
			delivered += int64(n)
			continue // until empty or EAGAIN: see above
		}
		if r.start < r.end {
			n, err := r.dst.Write(r.buf[r.start:r.end])
			if err != nil {
				return r.pause(delivered, err)
			}
			r.start += n
			delivered += int64(n)
			if r.start < r.end {
				return r.pause(delivered, mio.ErrWouldBlock) // dst is full
			}
		}
		switch {
		case r.srcEOF:
			return r.pause(delivered, io.EOF)
		case drained:
			return r.pause(delivered, mio.ErrWouldBlock)
		}
		if r.streaming && r.borrowPipe() {
			n, err := splice(sfd, r.pipe.w, r.pipe.capacity)
			if err == mio.ErrWouldBlock && read < spliceThreshold {
				r.streaming = false // small arrivals again: back to the buffer
			}
			if err != nil {
				return r.pause(delivered, err)
			}
			r.srcEOF = n == 0
			r.inPipe = n
			read += n
			continue
		}
		if r.buf == nil {
			r.buf = r.pool.buffer()
		}
		n, err := recv(sfd, r.buf)
		switch {
		case err == io.EOF:
			r.srcEOF = true
			continue
		case err != nil:
			return r.pause(delivered, err)
		}
		r.start, r.end = 0, n
		read += n
		if n < len(r.buf) {
			drained = trustShortReads
		} else {
			r.streaming = r.pool.maxPipes > 0
		}
	}
}

// pause gives back the pipe and the buffer if they are empty, so that an
// idle relay holds neither, and returns Pump's result.
func (r *Relay) pause(delivered int64, err error) (int64, error) {
	if r.pipe.r >= 0 && r.inPipe == 0 {
		r.pool.putPipe(r.pipe, true)
		r.pipe = noPipe
	}
	if r.buf != nil && r.start == r.end {
		r.pool.putBuffer(r.buf)
		r.buf, r.start, r.end = nil, 0, 0
	}
	return delivered, err
}

// borrowPipe makes sure the relay holds a pipe, and reports whether it does.
func (r *Relay) borrowPipe() bool {
	if r.pipe.r < 0 {
		r.pipe = r.pool.getPipe()
	}
	return r.pipe.r >= 0
}

// Buffered returns the bytes read from src that wait, in the pipe or the
// buffer, for dst. While it is not zero, Pump reads nothing more from src,
// so a loop may stop listening to src for Readable until it is: every
// arrival on src would otherwise wake the loop for nothing (examples/proxy
// does this).
func (r *Relay) Buffered() int { return r.inPipe + r.end - r.start }

// Close gives back the pipe and the buffer (a pipe with bytes still in it
// is closed, not reused); the streams stay open. A second Close returns an
// error matching mio.ErrClosed.
func (r *Relay) Close() error {
	if r.closed {
		return mio.ErrClosed
	}
	r.closed = true
	if r.pipe.r >= 0 {
		r.pool.putPipe(r.pipe, r.inPipe == 0)
		r.pipe, r.inPipe = noPipe, 0
	}
	if r.buf != nil {
		r.pool.putBuffer(r.buf)
		r.buf, r.start, r.end = nil, 0, 0
	}
	if r.ownPool {
		r.pool.Close()
	}
	return nil
}

// Close closes the idle pipes; pipes still lent out are closed as their
// relays give them back, and relays made from the pool keep working
// without splice. A second Close returns an error matching mio.ErrClosed.
func (p *RelayPool) Close() error {
	if p.closed {
		return mio.ErrClosed
	}
	p.closed = true
	for _, pp := range p.idle {
		p.closePipe(pp)
	}
	p.idle, p.buffers = nil, nil
	return nil
}

// getPipe lends an idle pipe, or opens one while fewer than maxPipes are
// open; noPipe when neither can be had (the relay then copies).
func (p *RelayPool) getPipe() relayPipe {
	if n := len(p.idle); n > 0 {
		pp := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return pp
	}
	if p.closed || p.open >= p.maxPipes {
		return noPipe
	}
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return noPipe // out of descriptors, say: copy until a pipe frees up
	}
	// F_SETPIPE_SZ fails for an unprivileged user past the limits, and a
	// pipe made past pipe-user-pages-soft has two pages: ask, then read
	// back what was granted.
	unix.FcntlInt(uintptr(fds[1]), unix.F_SETPIPE_SZ, relayPipeSize)
	capacity, err := unix.FcntlInt(uintptr(fds[1]), unix.F_GETPIPE_SZ, 0)
	if err != nil || capacity <= 0 {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return noPipe
	}
	p.open++
	return relayPipe{r: fds[0], w: fds[1], capacity: capacity}
}

// putPipe takes a pipe back: kept for the next relay if it is empty and
// the pool open, closed otherwise.
func (p *RelayPool) putPipe(pp relayPipe, empty bool) {
	if !empty || p.closed {
		p.closePipe(pp)
		return
	}
	p.idle = append(p.idle, pp)
}

func (p *RelayPool) closePipe(pp relayPipe) {
	unix.Close(pp.r)
	unix.Close(pp.w)
	p.open--
}

// buffer lends a buffer of spliceThreshold bytes.
func (p *RelayPool) buffer() []byte {
	if n := len(p.buffers); n > 0 {
		b := p.buffers[n-1]
		p.buffers = p.buffers[:n-1]
		return b
	}
	return make([]byte, spliceThreshold)
}

func (p *RelayPool) putBuffer(b []byte) {
	if !p.closed && len(p.buffers) < maxIdleBuffers {
		p.buffers = append(p.buffers, b)
	}
}

// recv reads what src has into p: recvfrom rather than read, which goes
// through the file layer (vfs_read, the file position lock) to the same
// socket code, measurably slower per small message.
func recv(fd int, p []byte) (int, error) {
	selector.Rearm(fd)
	for {
		n, e := rawsys.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
		runtime.KeepAlive(p)
		switch {
		case e == uintptr(unix.EINTR):
			continue
		case e != 0:
			return 0, errno(e)
		case n == 0:
			return 0, io.EOF
		}
		return int(n), nil
	}
}

// splice moves up to n bytes between two descriptors, one of them a pipe,
// without blocking: SPLICE_F_NONBLOCK covers the pipe, O_NONBLOCK the socket.
func splice(in, out, n int) (int, error) {
	selector.Rearm(in)
	selector.Rearm(out)
	for {
		r, e := rawsys.Syscall6(unix.SYS_SPLICE, uintptr(in), 0, uintptr(out), 0, uintptr(n), unix.SPLICE_F_NONBLOCK|unix.SPLICE_F_MOVE)
		if e == uintptr(unix.EINTR) {
			continue
		}
		if e != 0 {
			return 0, errno(e)
		}
		return int(r), nil
	}
}
