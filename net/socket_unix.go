//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package net

import (
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/gomio/mio"
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

// unusable is the result for a closed socket (fd < 0) or an empty buffer.
func (s *socket) unusable(fd int64) error {
	if fd < 0 {
		return mio.ErrClosed
	}
	return nil
}

// closeOnError closes fd when *err is set; for constructors' defer.
func closeOnError(fd int, err *error) {
	if *err != nil {
		unix.Close(fd)
	}
}

// stream is the I/O of the connected stream types, TCPStream and UnixStream.
type stream struct {
	socket
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
