//go:build linux

package net

import (
	"fmt"
	"io"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/rawsys"
	"golang.org/x/sys/unix"
)

// Relay moves bytes one way, from src to dst, through a kernel pipe with
// splice(2): the bytes never enter user memory. Bytes that dst cannot take
// yet wait in the pipe. A Relay is for one goroutine at a time; for both
// directions of a proxy, use two.
type Relay struct {
	dst, src *TCPStream
	pr, pw   int // pipe ends; -1 once closed
	capacity int // pipe capacity: how much one splice from src asks for
	buffered int // bytes in the pipe
	srcEOF   bool
}

// relayPipeSize is the pipe capacity asked for: 1 MiB (Linux's default
// pipe-max-size), so that one splice moves what 16 would with the default
// 64 KiB. A system that refuses keeps the default.
const relayPipeSize = 1 << 20

// NewRelay creates a relay from src to dst. The streams stay owned by the
// caller; the Relay owns only its pipe (release it with Close).
func NewRelay(dst, src *TCPStream) (*Relay, error) {
	if dst == nil || src == nil {
		return nil, fmt.Errorf("mio/net: relay needs two streams: %w", mio.ErrNilSource)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("mio/net: relay pipe: %w", err)
	}
	capacity, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, relayPipeSize)
	if err != nil {
		capacity = 64 << 10
	}
	return &Relay{dst: dst, src: src, pr: p[0], pw: p[1], capacity: capacity}, nil
}

// Pump moves bytes from src to dst until one side would block, and returns
// the bytes delivered to dst by this call: with mio.ErrWouldBlock when it
// stopped because a side would block (wait for src readable or dst
// writable), with io.EOF once src has ended and everything is delivered.
// It never shuts dst down: the caller decides, for instance with
// dst.Shutdown(ShutdownWrite) to propagate a half-close.
func (r *Relay) Pump() (int64, error) {
	if r.pr < 0 {
		return 0, mio.ErrClosed
	}
	// Both sides are spliced until EAGAIN, never left after a short
	// splice: a splice from a socket stops short when the pipe runs out of
	// slots with data still queued, and a short splice into a socket does
	// not promise a writable edge to come (a proxy that waited for one after
	// a short splice hung, now and then, with the socket empty; see
	// examples/proxy's back-pressure test). Only EAGAIN does.
	var delivered int64
	for {
		if r.buffered > 0 {
			dfd, err := r.dst.sysfd()
			if err != nil {
				return delivered, err
			}
			n, err := splice(r.pr, dfd, r.buffered)
			if err != nil {
				return delivered, err
			}
			r.buffered -= n
			delivered += int64(n)
			if r.buffered > 0 {
				continue // until EAGAIN: see above
			}
		}
		if r.srcEOF {
			return delivered, io.EOF
		}
		sfd, err := r.src.sysfd()
		if err != nil {
			return delivered, err
		}
		n, err := splice(sfd, r.pw, r.capacity)
		if err != nil {
			return delivered, err
		}
		if n == 0 {
			r.srcEOF = true
		}
		r.buffered += n
	}
}

// Buffered returns the bytes read from src that wait in the pipe for dst.
// While it is not zero, Pump reads nothing more from src, so a loop may
// stop listening to src for Readable until it is: every arrival on src
// would otherwise wake the loop for nothing (examples/proxy does this).
func (r *Relay) Buffered() int { return r.buffered }

// Close releases the pipe; the streams stay open. A second Close returns an
// error matching mio.ErrClosed.
func (r *Relay) Close() error {
	if r.pr < 0 {
		return mio.ErrClosed
	}
	unix.Close(r.pr)
	unix.Close(r.pw)
	r.pr, r.pw = -1, -1
	return nil
}

// splice moves up to n bytes between two descriptors, one of them a pipe,
// without blocking: SPLICE_F_NONBLOCK covers the pipe, O_NONBLOCK the socket.
func splice(in, out, n int) (int, error) {
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
