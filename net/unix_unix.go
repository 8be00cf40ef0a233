//go:build unix

package net

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// UnixListener is a non-blocking Unix stream listening socket.
type UnixListener struct {
	socket
}

// ListenUnix binds a listener to path ("@name" is Linux's abstract
// namespace) and listens with the system's maximum backlog. As in mio, the
// path is not removed on Close.
func ListenUnix(path string) (l *UnixListener, err error) {
	fd, err := newSocketFd(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	defer closeOnError(fd, &err)
	if err = bindUnix(fd, path); err != nil {
		return nil, err
	}
	if err = unix.Listen(fd, somaxconn); err != nil {
		return nil, fmt.Errorf("mio/net: listen %q: %w", path, err)
	}
	l = new(UnixListener)
	l.owns(fd)
	return l, nil
}

func bindUnix(fd int, path string) error {
	var rsa unix.RawSockaddrAny
	n, err := putUnix(&rsa, path)
	if err == nil {
		err = bind(fd, &rsa, n)
	}
	if err != nil {
		return fmt.Errorf("mio/net: bind %q: %w", path, err)
	}
	return nil
}

// Accept takes one pending connection and its peer's address ("" when the
// peer is unnamed, as clients usually are); mio.ErrWouldBlock when none.
func (l *UnixListener) Accept() (*UnixStream, string, error) {
	fd, err := l.sysfd()
	if err != nil {
		return nil, "", err
	}
	var rsa unix.RawSockaddrAny
	nfd, n, err := sysAccept(fd, &rsa)
	if err != nil {
		return nil, "", err
	}
	s := new(UnixStream)
	s.owns(nfd)
	return s, unixAddr(&rsa, n), nil
}

// LocalAddr returns the bound path.
func (l *UnixListener) LocalAddr() (string, error) { return l.unixName(false) }

// UnixStream is a non-blocking Unix stream connection.
type UnixStream struct {
	stream
}

// ConnectUnix connects to the listener at path. A connection to a Unix
// socket completes at once or fails; mio.ErrWouldBlock (EAGAIN) means the
// listener's backlog is full.
func ConnectUnix(path string) (s *UnixStream, err error) {
	fd, err := newSocketFd(unix.AF_UNIX, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	defer closeOnError(fd, &err)
	var rsa unix.RawSockaddrAny
	n, err := putUnix(&rsa, path)
	if err == nil {
		err = connect(fd, &rsa, n)
	}
	if err != nil {
		return nil, fmt.Errorf("mio/net: connect %q: %w", path, err)
	}
	s = new(UnixStream)
	s.owns(fd)
	return s, nil
}

// UnixStreamPair returns two connected, unnamed streams.
func UnixStreamPair() (*UnixStream, *UnixStream, error) {
	a, b, err := socketPair(unix.SOCK_STREAM)
	if err != nil {
		return nil, nil, err
	}
	s, t := new(UnixStream), new(UnixStream)
	s.owns(a)
	t.owns(b)
	return s, t, nil
}

// LocalAddr returns the local path ("" when unnamed).
func (s *UnixStream) LocalAddr() (string, error) { return s.unixName(false) }

// PeerAddr returns the peer's path ("" when unnamed).
func (s *UnixStream) PeerAddr() (string, error) { return s.unixName(true) }

// UnixDatagram is a non-blocking Unix datagram socket.
type UnixDatagram struct {
	socket
}

// BindUnixgram creates a datagram socket bound to path.
func BindUnixgram(path string) (d *UnixDatagram, err error) {
	fd, err := newSocketFd(unix.AF_UNIX, unix.SOCK_DGRAM)
	if err != nil {
		return nil, err
	}
	defer closeOnError(fd, &err)
	if err = bindUnix(fd, path); err != nil {
		return nil, err
	}
	d = new(UnixDatagram)
	d.owns(fd)
	return d, nil
}

// UnboundUnixgram creates a datagram socket with no name: a receiver sees
// its datagrams come from "".
func UnboundUnixgram() (*UnixDatagram, error) {
	fd, err := newSocketFd(unix.AF_UNIX, unix.SOCK_DGRAM)
	if err != nil {
		return nil, err
	}
	d := new(UnixDatagram)
	d.owns(fd)
	return d, nil
}

// UnixgramPair returns two connected, unnamed datagram sockets.
func UnixgramPair() (*UnixDatagram, *UnixDatagram, error) {
	a, b, err := socketPair(unix.SOCK_DGRAM)
	if err != nil {
		return nil, nil, err
	}
	s, t := new(UnixDatagram), new(UnixDatagram)
	s.owns(a)
	t.owns(b)
	return s, t, nil
}

// SendTo sends one datagram to the socket bound at path.
func (d *UnixDatagram) SendTo(p []byte, path string) (int, error) {
	fd, err := d.sysfd()
	if err != nil {
		return 0, err
	}
	var rsa unix.RawSockaddrAny
	l, err := putUnix(&rsa, path)
	if err != nil {
		return 0, err
	}
	return sendto(fd, p, 0, &rsa, l)
}

// RecvFrom receives one datagram and its sender's path ("" when unnamed).
func (d *UnixDatagram) RecvFrom(p []byte) (int, string, error) {
	fd, err := d.sysfd()
	if err != nil {
		return 0, "", err
	}
	var rsa unix.RawSockaddrAny
	n, l, err := recvfrom(fd, p, 0, &rsa)
	if err != nil {
		return 0, "", err
	}
	return n, unixAddr(&rsa, l), nil
}

// Connect sets the socket's one peer for Send and Recv.
func (d *UnixDatagram) Connect(path string) error {
	fd, err := d.sysfd()
	if err != nil {
		return err
	}
	var rsa unix.RawSockaddrAny
	l, err := putUnix(&rsa, path)
	if err == nil {
		err = connect(fd, &rsa, l)
	}
	if err != nil {
		return fmt.Errorf("mio/net: connect %q: %w", path, err)
	}
	return nil
}

// Send sends one datagram to the connected peer.
func (d *UnixDatagram) Send(p []byte) (int, error) {
	fd, err := d.sysfd()
	if err != nil {
		return 0, err
	}
	return sysSend(fd, p, 0)
}

// Recv receives one datagram.
func (d *UnixDatagram) Recv(p []byte) (int, error) {
	fd, err := d.sysfd()
	if err != nil {
		return 0, err
	}
	return sysRecv(fd, p, 0)
}

// Shutdown closes the read half, the write half, or both.
func (d *UnixDatagram) Shutdown(how Shutdown) error { return d.shutdown(how) }

// LocalAddr returns the bound path ("" when unbound).
func (d *UnixDatagram) LocalAddr() (string, error) { return d.unixName(false) }

// PeerAddr returns the connected peer's path.
func (d *UnixDatagram) PeerAddr() (string, error) { return d.unixName(true) }

func (s *socket) unixName(peer bool) (string, error) {
	fd, err := s.sysfd()
	if err != nil {
		return "", err
	}
	rsa, l, err := sockName(fd, peer)
	if err != nil {
		return "", fmt.Errorf("mio/net: %s: %w", nameCall(peer), err)
	}
	return unixAddr(&rsa, l), nil
}
