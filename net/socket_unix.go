//go:build unix

package net

import (
	"fmt"
	"syscall"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/ownedfd"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// socket is the descriptor every type embeds: its ownership, registration,
// pending error and raw access. Options and I/O shared by several types live
// in the functions below. The zero socket (of a type declared without its
// constructor) holds no descriptor and is closed.
type socket struct {
	fd ownedfd.Cell
}

// owns makes s the owner of fd; constructors call it once.
func (s *socket) owns(fd int) { s.fd.Set(fd) }

// sysfd returns the descriptor, or ErrClosed.
func (s *socket) sysfd() (int, error) {
	fd := s.fd.Get()
	if fd < 0 {
		return -1, mio.ErrClosed
	}
	return fd, nil
}

// The calls the shared socket code (rawconn.go) makes.
var (
	setsockoptInt = unix.SetsockoptInt
	getsockoptInt = unix.GetsockoptInt
	shutdownCall  = unix.Shutdown
)

const (
	shutRD   = unix.SHUT_RD
	shutWR   = unix.SHUT_WR
	shutRDWR = unix.SHUT_RDWR
)

// handle is the descriptor as SyscallConn passes it.
func (s *socket) handle() (uintptr, error) {
	fd, err := s.sysfd()
	return uintptr(fd), err
}

// wouldBlock is the result of a call that would block, after which the
// socket is re-armed (see rearm).
func (s *socket) wouldBlock() error {
	s.rearm()
	return mio.ErrWouldBlock
}

// rearm tells the selector that the socket is being read or written: epoll
// and kqueue need nothing (selector.Rearm does nothing there), while the
// poll(2) backend reports each readiness once and asks for it again only
// then. Every I/O call re-arms first, whatever it finds, so that a loop
// that stops after a short read still gets an event for the next bytes, as
// with epoll.
func (s *socket) rearm() { selector.Rearm(s.Fd()) }

// Fd returns the descriptor, or -1 after Close. It stays owned by the socket.
func (s *socket) Fd() int { return s.fd.Get() }

// Close closes the socket. A second Close returns an error matching
// mio.ErrClosed and never touches the descriptor again, whatever the OS has
// reused its number for since. Closing ends the socket's registration,
// except on Linux while a duplicate of the descriptor lives on (dup, a
// child process): epoll registers the open socket, not the number, so
// deregister first where one may exist.
func (s *socket) Close() error {
	fd := s.fd.Take()
	if fd < 0 {
		return mio.ErrClosed
	}
	if err := unix.Close(fd); err != nil {
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

// unusable is the result for a closed socket (fd < 0) or an empty buffer.
func (s *socket) unusable(fd int) error {
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
