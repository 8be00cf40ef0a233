package net

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"syscall"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/ownedfd"
	"github.com/gomio/mio/selector"
)

// On wasip1 a program can only be given sockets: WASI Preview 1 has
// sock_accept, sock_recv, sock_send and sock_shutdown on descriptors the
// host pre-opens, and nothing that creates, binds, connects or names one,
// sets an option or reads a pending error. TCPListenerFromFd and
// TCPStreamFromFd adopt what the host gives; everything else returns an
// error matching errors.ErrUnsupported.

// errNoWASI is what WASI Preview 1 cannot do.
func errNoWASI(what string) error {
	return fmt.Errorf("mio/net: %s: not in WASI Preview 1: %w", what, errors.ErrUnsupported)
}

// socket is the descriptor every type embeds, and the registry it is
// registered with: Close deregisters it first, since a WASI host need not
// give sockets an identity by which the selector could tell a closed
// descriptor from the next one given its number (wazero gives none).
type socket struct {
	fd ownedfd.Cell

	mu  sync.Mutex
	reg *mio.Registry
}

func (s *socket) owns(fd int) { s.fd.Set(fd) }

func (s *socket) sysfd() (int, error) {
	fd := s.fd.Get()
	if fd < 0 {
		return -1, mio.ErrClosed
	}
	return fd, nil
}

// Fd returns the descriptor, or -1 after Close. It stays owned by the socket.
func (s *socket) Fd() int { return s.fd.Get() }

// wouldBlock re-arms the socket, as every I/O call does first (see
// selector.Rearm: the backend reports each readiness once).
func (s *socket) wouldBlock() error {
	s.rearm()
	return mio.ErrWouldBlock
}

func (s *socket) rearm() { selector.Rearm(s.Fd()) }

// Close closes the socket, after ending its registration. A second Close
// returns an error matching mio.ErrClosed and never touches the descriptor
// again.
func (s *socket) Close() error {
	fd := s.fd.Take()
	if fd < 0 {
		return mio.ErrClosed
	}
	s.mu.Lock()
	if s.reg != nil {
		src := mio.SourceFd(fd)
		src.Deregister(s.reg)
		s.reg = nil
	}
	s.mu.Unlock()
	if err := syscall.Close(fd); err != nil {
		return fmt.Errorf("mio/net: close: %w", err)
	}
	return nil
}

// Release gives the descriptor back to the caller, as mio's IntoRawFd: the
// value is closed from now on (mio.ErrClosed; Fd returns -1), the
// descriptor stays open, non-blocking, and the caller's to close. A second
// Release, or one after Close, returns an error matching mio.ErrClosed.
// Release does not deregister: deregister the value first, or the
// descriptor afterwards with mio.SourceFd.
func (s *socket) Release() (int, error) {
	fd := s.fd.Take()
	if fd < 0 {
		return -1, fmt.Errorf("mio/net: release: %w", mio.ErrClosed)
	}
	s.mu.Lock()
	s.reg = nil
	s.mu.Unlock()
	return fd, nil
}

// Register implements mio.Source.
func (s *socket) Register(r *mio.Registry, t mio.Token, i mio.Interest) error {
	fd, err := s.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := src.Register(r, t, i); err != nil {
		return err
	}
	s.reg = r
	return nil
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := src.Deregister(r); err != nil {
		return err
	}
	if s.reg == r {
		s.reg = nil
	}
	return nil
}

// TakeError returns nil, or mio.ErrClosed after Close: WASI Preview 1 has
// no SO_ERROR, and a failure shows in the next Read or Write instead.
func (s *socket) TakeError() error {
	_, err := s.sysfd()
	return err
}

// handle is the descriptor as SyscallConn passes it.
func (s *socket) handle() (uintptr, error) {
	fd, err := s.sysfd()
	return uintptr(fd), err
}

// The calls the shared socket code (socket.go) makes: syscall's, whose
// options fail with ENOSYS (this file's methods answer ErrUnsupported
// before they are reached).
var (
	setsockoptInt = syscall.SetsockoptInt
	getsockoptInt = syscall.GetsockoptInt
	shutdownCall  = syscall.Shutdown
)

const (
	shutRD   = syscall.SHUT_RD
	shutWR   = syscall.SHUT_WR
	shutRDWR = syscall.SHUT_RDWR
)

// claimFd checks that fd is an open socket, of the stream kind where the
// host says (a host may call a socket's file type unknown), and makes it
// non-blocking. A regular file, a directory or the like is an error
// matching syscall.ENOTSOCK, a closed or negative descriptor one matching
// syscall.EBADF; fd is then left as it was.
func claimFd(fd int, what string) error {
	if fd < 0 {
		return fmt.Errorf("mio/net: %s from fd %d: %w", what, fd, syscall.EBADF)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fmt.Errorf("mio/net: %s from fd %d: %w", what, fd, err)
	}
	switch st.Filetype {
	case fileTypeUnknown, fileTypeSocketStream:
	case fileTypeSocketDgram:
		return fmt.Errorf("mio/net: %s from fd %d: a datagram socket: %w", what, fd, syscall.EINVAL)
	default:
		return fmt.Errorf("mio/net: %s from fd %d: not a socket (WASI file type %d): %w", what, fd, st.Filetype, syscall.ENOTSOCK)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		return fmt.Errorf("mio/net: %s from fd %d: %w", what, fd, err)
	}
	return nil
}

// WASI's filetype values.
const (
	fileTypeUnknown      = 0
	fileTypeSocketDgram  = 5
	fileTypeSocketStream = 6
)

// stream is the I/O of TCPStream.
type stream struct {
	socket
}

// Read reads what is available: (0, io.EOF) at the end of the stream,
// mio.ErrWouldBlock when nothing is, (0, nil) for an empty p.
func (s *stream) Read(p []byte) (int, error) {
	fd, err := s.sysfd()
	if err != nil || len(p) == 0 {
		return 0, err
	}
	s.rearm()
	n, err := recvRetry(fd, p, 0)
	if err == nil && n == 0 {
		return 0, io.EOF
	}
	return n, err
}

// recvRetry is recv, retried while interrupted.
func recvRetry(fd int, p []byte, flags uint32) (int, error) {
	for {
		n, err := recv(fd, p, flags)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// Write writes what the socket takes, possibly less than len(p);
// mio.ErrWouldBlock when it takes nothing, (0, nil) for an empty p.
func (s *stream) Write(p []byte) (int, error) {
	fd, err := s.sysfd()
	if err != nil || len(p) == 0 {
		return 0, err
	}
	s.rearm()
	return sendRetry(fd, p)
}

// sendRetry is send, retried while interrupted.
func sendRetry(fd int, p []byte) (int, error) {
	for {
		n, err := send(fd, p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// ReadBuffers reads into the buffers in order, one sock_recv per buffer:
// it stops at a buffer the socket did not fill, and returns what it read
// (mio.ErrWouldBlock, or io.EOF, only when that is nothing). A single
// vectored call would do, but wazero's loses the bytes of a full buffer
// when the next would block.
func (s *stream) ReadBuffers(bufs [][]byte) (int, error) {
	return s.eachBuffer(bufs, func(fd int, b []byte) (int, error) { return recvRetry(fd, b, 0) }, true)
}

// WriteBuffers writes the buffers in order, one sock_send per buffer, and
// stops at one the socket did not take whole; it returns what it wrote
// (mio.ErrWouldBlock only when that is nothing).
func (s *stream) WriteBuffers(bufs [][]byte) (int, error) {
	return s.eachBuffer(bufs, sendRetry, false)
}

// eachBuffer calls op on each non-empty buffer in turn until one is not
// done whole, and returns the bytes done; an error, or for reading the end
// of the stream (reading), only when nothing was done.
func (s *stream) eachBuffer(bufs [][]byte, op func(fd int, b []byte) (int, error), reading bool) (int, error) {
	fd, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	s.rearm()
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, err := op(fd, b)
		total += n
		switch {
		case err != nil && total == 0:
			return 0, err
		case reading && err == nil && n == 0 && total == 0:
			return 0, io.EOF
		case err != nil || n < len(b):
			return total, nil
		}
	}
	return total, nil
}

// Shutdown closes the read half, the write half, or both (sock_shutdown).
func (s *stream) Shutdown(how Shutdown) error { return s.shutdown(how) }

// noAddr is the result of the address calls, which WASI Preview 1 lacks.
func (s *socket) noAddr(what string) (netip.AddrPort, error) {
	if _, err := s.sysfd(); err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPort{}, errNoWASI(what)
}

// noOption is the result of the socket options, which WASI Preview 1 lacks.
func (s *socket) noOption(what string) error {
	if _, err := s.sysfd(); err != nil {
		return err
	}
	return errNoWASI(what)
}
