//go:build linux

package net

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/rawsys"
	"golang.org/x/sys/unix"
)

// socket is the descriptor every type embeds: its ownership, registration,
// pending error and raw access. Options and I/O shared by several types live
// in the functions below.
type socket struct {
	fd atomic.Int64 // -1 once closed
}

// owns makes s the owner of fd; constructors call it once.
func (s *socket) owns(fd int) { s.fd.Store(int64(fd)) }

// sysfd returns the descriptor, or ErrClosed.
func (s *socket) sysfd() (int, error) {
	fd := int(s.fd.Load())
	if fd < 0 {
		return -1, mio.ErrClosed
	}
	return fd, nil
}

// Fd returns the descriptor, or -1 after Close. It stays owned by the socket.
func (s *socket) Fd() int { return int(s.fd.Load()) }

// Close closes the socket. A second Close returns an error matching
// mio.ErrClosed and never touches the descriptor again, whatever the OS has
// reused its number for since. Closing deregisters it from epoll.
func (s *socket) Close() error {
	fd := s.fd.Swap(-1)
	if fd < 0 {
		return mio.ErrClosed
	}
	if err := unix.Close(int(fd)); err != nil {
		return fmt.Errorf("mio/net: close: %w", err)
	}
	return nil
}

// Register implements mio.Source.
func (s *socket) Register(r *mio.Registry, t mio.Token, i mio.Interest) error {
	fd, err := s.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	return src.Register(r, t, i)
}

// Reregister implements mio.Source.
func (s *socket) Reregister(r *mio.Registry, t mio.Token, i mio.Interest) error {
	fd, err := s.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	return src.Reregister(r, t, i)
}

// Deregister implements mio.Source.
func (s *socket) Deregister(r *mio.Registry) error {
	fd, err := s.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	return src.Deregister(r)
}

// TakeError returns and clears the socket's pending error (SO_ERROR), nil
// when there is none. After a non-blocking connect it tells whether the
// connection succeeded.
func (s *socket) TakeError() error {
	v, err := s.getInt(unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return syscall.Errno(v)
	}
	return nil
}

// SyscallConn gives raw access to the descriptor, for options this package
// lacks. Its Read and Write call f once and, since the socket never blocks,
// return mio.ErrWouldBlock when f asks to wait (returns false).
func (s *socket) SyscallConn() (syscall.RawConn, error) {
	if _, err := s.sysfd(); err != nil {
		return nil, err
	}
	return rawConn{s}, nil
}

type rawConn struct{ s *socket }

// Control calls f with the descriptor.
func (c rawConn) Control(f func(fd uintptr)) error {
	fd, err := c.s.sysfd()
	if err != nil {
		return err
	}
	f(uintptr(fd))
	return nil
}

// Read calls f once; mio.ErrWouldBlock when f asks to wait.
func (c rawConn) Read(f func(fd uintptr) bool) error { return c.once(f) }

// Write calls f once; mio.ErrWouldBlock when f asks to wait.
func (c rawConn) Write(f func(fd uintptr) bool) error { return c.once(f) }

func (c rawConn) once(f func(fd uintptr) bool) error {
	fd, err := c.s.sysfd()
	if err != nil {
		return err
	}
	if !f(uintptr(fd)) {
		return mio.ErrWouldBlock
	}
	return nil
}

func (s *socket) setInt(level, opt, v int) error {
	fd, err := s.sysfd()
	if err != nil {
		return err
	}
	if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
		return fmt.Errorf("mio/net: setsockopt: %w", err)
	}
	return nil
}

func (s *socket) getInt(level, opt int) (int, error) {
	fd, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	v, err := unix.GetsockoptInt(fd, level, opt)
	if err != nil {
		return 0, fmt.Errorf("mio/net: getsockopt: %w", err)
	}
	return v, nil
}

func (s *socket) setBool(level, opt int, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return s.setInt(level, opt, v)
}

func (s *socket) getBool(level, opt int) (bool, error) {
	v, err := s.getInt(level, opt)
	return v != 0, err
}

// shutdown is the common half-close of the stream and datagram types.
func (s *socket) shutdown(how Shutdown) error {
	fd, err := s.sysfd()
	if err != nil {
		return err
	}
	var h int
	switch how {
	case ShutdownRead:
		h = unix.SHUT_RD
	case ShutdownWrite:
		h = unix.SHUT_WR
	case ShutdownBoth:
		h = unix.SHUT_RDWR
	default:
		return fmt.Errorf("mio/net: invalid shutdown mode %d", how)
	}
	if err := unix.Shutdown(fd, h); err != nil {
		return fmt.Errorf("mio/net: shutdown: %w", err)
	}
	return nil
}

// Shutdown says which half of a connection to close.
type Shutdown int

const (
	// ShutdownRead closes the read half: further reads return io.EOF.
	ShutdownRead Shutdown = iota
	// ShutdownWrite closes the write half: the peer reads io.EOF.
	ShutdownWrite
	// ShutdownBoth closes both halves.
	ShutdownBoth
)

// The raw I/O path. Every call here is made on a non-blocking descriptor, so
// it cannot block: the generated raw trampoline, reached in one call from the
// method the user called (each further return after a syscall is a branch
// misprediction under the kernel's return-stack mitigations), no scheduler
// bookkeeping, no allocation. Errors come back as syscall.Errno values
// (EAGAIN is mio.ErrWouldBlock). runtime.KeepAlive keeps buffers alive across
// the portable twin, which is a Go function.

// errno turns a raw errno into an error without allocating for the common
// values (Errno values below 256 fit the runtime's preallocated boxes).
func errno(e uintptr) error {
	if e == uintptr(unix.EAGAIN) {
		return mio.ErrWouldBlock
	}
	return syscall.Errno(e)
}

// stream is the I/O of the connected stream types, TCPStream and UnixStream.
type stream struct {
	socket
}

// Read reads what is available: (0, io.EOF) at the end of the stream,
// mio.ErrWouldBlock when nothing is available yet.
func (s *stream) Read(p []byte) (int, error) {
	fd := s.fd.Load()
	if fd < 0 || len(p) == 0 {
		return 0, s.unusable(fd)
	}
	n, e := rawsys.Syscall6(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	runtime.KeepAlive(p)
	if e != 0 || n == 0 {
		return s.readFailed(p, e)
	}
	return int(n), nil
}

func (s *stream) readFailed(p []byte, e uintptr) (int, error) {
	if e == uintptr(unix.EINTR) {
		return s.Read(p)
	}
	if e != 0 {
		return 0, errno(e)
	}
	return 0, io.EOF
}

// unusable is the result for a closed socket (fd < 0) or an empty buffer.
func (s *socket) unusable(fd int64) error {
	if fd < 0 {
		return mio.ErrClosed
	}
	return nil
}

// Write writes what the socket buffer takes, possibly less than len(p);
// mio.ErrWouldBlock when it takes nothing. It never raises SIGPIPE: a closed
// peer is an error matching syscall.EPIPE.
func (s *stream) Write(p []byte) (int, error) {
	fd := s.fd.Load()
	if fd < 0 || len(p) == 0 {
		return 0, s.unusable(fd)
	}
	n, e := rawsys.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), unix.MSG_NOSIGNAL, 0, 0)
	runtime.KeepAlive(p)
	if e != 0 {
		if e == uintptr(unix.EINTR) {
			return s.Write(p)
		}
		return 0, errno(e)
	}
	return int(n), nil
}

// ReadBuffers reads into the buffers in order (readv). At most 64 non-empty
// buffers take part in one call; the rest wait for the next.
func (s *stream) ReadBuffers(bufs [][]byte) (int, error) {
	fd := s.fd.Load()
	if fd < 0 {
		return 0, mio.ErrClosed
	}
	var iov [maxIovecs]unix.Iovec
	cnt, total := fillIovecs(&iov, bufs)
	if total == 0 {
		return 0, nil
	}
	for {
		n, e := rawsys.Syscall6(unix.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(cnt), 0, 0, 0)
		runtime.KeepAlive(bufs)
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

// WriteBuffers writes the buffers in order (writev, as sendmsg so that
// MSG_NOSIGNAL applies). At most 64 non-empty buffers take part in one call.
func (s *stream) WriteBuffers(bufs [][]byte) (int, error) {
	fd := s.fd.Load()
	if fd < 0 {
		return 0, mio.ErrClosed
	}
	var iov [maxIovecs]unix.Iovec
	cnt, total := fillIovecs(&iov, bufs)
	if total == 0 {
		return 0, nil
	}
	var msg unix.Msghdr
	msg.Iov = &iov[0]
	msg.SetIovlen(cnt)
	for {
		n, e := rawsys.Syscall6(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL, 0, 0, 0)
		runtime.KeepAlive(bufs)
		if e == uintptr(unix.EINTR) {
			continue
		}
		if e != 0 {
			return 0, errno(e)
		}
		return int(n), nil
	}
}

// Shutdown closes the read half, the write half, or both.
func (s *stream) Shutdown(how Shutdown) error { return s.shutdown(how) }

// sysSend and sysRecv are send(2) and recv(2) for the datagram types and
// Peek: sendto and recvfrom without an address. For a datagram, n == 0 is an
// empty datagram.
func sysSend(fd int, p []byte, flags int) (int, error) { return sendto(fd, p, flags, nil, 0) }

func sysRecv(fd int, p []byte, flags int) (int, error) {
	n, _, err := recvfrom(fd, p, flags, nil)
	return n, err
}

// maxIovecs bounds how many buffers one ReadBuffers or WriteBuffers passes to
// the kernel; the iovec array lives on the stack. More buffers are allowed:
// the call then moves at most what the first maxIovecs can hold, which is a
// legal short read or write.
const maxIovecs = 64

func fillIovecs(iov *[maxIovecs]unix.Iovec, bufs [][]byte) (n, total int) {
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if n == len(iov) {
			break
		}
		iov[n].Base = &b[0]
		iov[n].SetLen(len(b))
		total += len(b)
		n++
	}
	return n, total
}

// sysAccept accepts a connection as a non-blocking, close-on-exec socket.
func sysAccept(fd int, rsa *unix.RawSockaddrAny) (int, uint32, error) {
	for {
		l := uint32(unsafe.Sizeof(*rsa))
		nfd, e := rawsys.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(&l)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		switch e {
		case 0:
			return int(nfd), l, nil
		case uintptr(unix.EINTR), uintptr(unix.ECONNABORTED):
			// A connection reset while queued is not the listener's error:
			// take the next one, as Go's net does.
			continue
		}
		return -1, 0, errno(e)
	}
}

// newSocketFd creates a non-blocking, close-on-exec socket.
func newSocketFd(family, typ int) (int, error) {
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("mio/net: socket: %w", err)
	}
	return fd, nil
}

// closeOnError closes fd when *err is set; for constructors' defer.
func closeOnError(fd int, err *error) {
	if *err != nil {
		unix.Close(fd)
	}
}

var errNoAddress = errors.New("mio/net: invalid address")
