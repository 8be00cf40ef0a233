//go:build unix && !linux

package net

import (
	"fmt"
	"io"
	"net/netip"
	"syscall"
	"unsafe"

	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// On darwin and the BSDs the socket calls go through x/sys (darwin and
// OpenBSD allow system calls only through libc, which x/sys calls without
// cgo). Addresses cross as x/sys Sockaddr values, so SendTo, RecvFrom and
// Accept allocate there; Linux's raw path does not.

// Read reads what is available: (0, io.EOF) at the end of the stream,
// mio.ErrWouldBlock when nothing is available yet.
func (s *stream) Read(p []byte) (int, error) {
	fd := s.fd.Get()
	if fd < 0 || len(p) == 0 {
		return 0, s.unusable(fd)
	}
	selector.Rearm(int(fd)) // see rearm
	for {
		n, err := unix.Read(int(fd), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err // EAGAIN is mio.ErrWouldBlock
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes what the socket buffer takes, possibly less than len(p);
// mio.ErrWouldBlock when it takes nothing. A closed peer is EPIPE, not a
// signal (SO_NOSIGPIPE where the OS has it, and Go's runtime ignores SIGPIPE
// on descriptors other than 1 and 2).
func (s *stream) Write(p []byte) (int, error) {
	fd := s.fd.Get()
	if fd < 0 || len(p) == 0 {
		return 0, s.unusable(fd)
	}
	selector.Rearm(int(fd)) // see rearm
	for {
		n, err := unix.Write(int(fd), p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, nil
	}
}

// ReadBuffers reads into the buffers in order (recvmsg with several
// buffers).
func (s *stream) ReadBuffers(bufs [][]byte) (int, error) {
	fd, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	selector.Rearm(fd) // see rearm
	if total(bufs) == 0 {
		return 0, nil
	}
	for {
		n, _, _, _, err := unix.RecvmsgBuffers(fd, bufs, nil, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// WriteBuffers writes the buffers in order (sendmsg with several buffers).
func (s *stream) WriteBuffers(bufs [][]byte) (int, error) {
	fd, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	selector.Rearm(fd) // see rearm
	if total(bufs) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.SendmsgBuffers(fd, bufs, nil, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, nil
	}
}

func total(bufs [][]byte) int {
	n := 0
	for _, b := range bufs {
		n += len(b)
	}
	return n
}

// setup makes an adopted descriptor close-on-exec, then configures it.
func setup(fd int) error {
	unix.CloseOnExec(fd)
	return configure(fd)
}

// configure makes a descriptor non-blocking, and keeps writes to a closed
// peer from raising SIGPIPE where the OS lets a socket say so (elsewhere
// Go's runtime ignores SIGPIPE on every descriptor but 1 and 2, so a write
// to a closed peer is EPIPE: see noSigpipe). The descriptors made here are
// close-on-exec already, marked under syscall.ForkLock.
func configure(fd int) error {
	if err := unix.SetNonblock(fd, true); err != nil {
		return err
	}
	if noSigpipe != 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, noSigpipe, 1)
	}
	return nil
}

// bindAddressNoPort does nothing: only Linux can leave a bind's port to
// connect (IP_BIND_ADDRESS_NO_PORT).
func bindAddressNoPort(fd int) {}

// The descriptors below are created without SOCK_CLOEXEC, which darwin, AIX
// and Solaris before 11.4 lack, and marked close-on-exec under
// syscall.ForkLock's read side, as Go's net does there: a fork (os/exec)
// takes the write side, so no child is started between the creation and
// the mark and inherits the socket.

// newSocketFd creates a non-blocking, close-on-exec socket.
func newSocketFd(family, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, fmt.Errorf("mio/net: socket: %w", err)
	}
	if err := configure(fd); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mio/net: socket: %w", err)
	}
	return fd, nil
}

// socketPair creates a connected, non-blocking, close-on-exec pair.
func socketPair(typ int) (int, int, error) {
	syscall.ForkLock.RLock()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err == nil {
		unix.CloseOnExec(fds[0])
		unix.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, fmt.Errorf("mio/net: socketpair: %w", err)
	}
	for _, fd := range fds {
		if err := configure(fd); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return -1, -1, fmt.Errorf("mio/net: socketpair: %w", err)
		}
	}
	return fds[0], fds[1], nil
}

// sysAccept accepts a connection as a non-blocking, close-on-exec socket.
func sysAccept(fd int, rsa *unix.RawSockaddrAny) (int, uint32, error) {
	selector.Rearm(fd)
	for {
		syscall.ForkLock.RLock()
		nfd, sa, err := unix.Accept(fd)
		if err == nil {
			unix.CloseOnExec(nfd)
		}
		syscall.ForkLock.RUnlock()
		switch err {
		case nil:
			if err := configure(nfd); err != nil {
				unix.Close(nfd)
				return -1, 0, err
			}
			return nfd, putSockaddr(rsa, sa), nil
		case unix.EINTR, unix.ECONNABORTED:
			continue
		}
		return -1, 0, err
	}
}

func getsockname(fd int, rsa *unix.RawSockaddrAny, l *uint32) error {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	*l = putSockaddr(rsa, sa)
	return nil
}

func getpeername(fd int, rsa *unix.RawSockaddrAny, l *uint32) error {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return err
	}
	*l = putSockaddr(rsa, sa)
	return nil
}

func bind(fd int, rsa *unix.RawSockaddrAny, l uint32) error {
	return unix.Bind(fd, sockaddr(rsa, l))
}

// connect starts a connection; on a non-blocking stream socket EINPROGRESS
// is the normal answer and completion is a writable event.
func connect(fd int, rsa *unix.RawSockaddrAny, l uint32) error {
	switch err := unix.Connect(fd, sockaddr(rsa, l)); err {
	case nil, unix.EINPROGRESS, unix.EINTR:
		return nil
	default:
		return err
	}
}

// sendto sends p, to the address in rsa (l bytes) or, with rsa nil, to the
// connected peer.
func sendto(fd int, p []byte, flags int, rsa *unix.RawSockaddrAny, l uint32) (int, error) {
	selector.Rearm(fd)
	var to unix.Sockaddr
	if rsa != nil {
		to = sockaddr(rsa, l)
	}
	for {
		n, err := unix.SendmsgN(fd, p, nil, to, flags)
		if err == unix.EINTR {
			continue
		}
		return n, err
	}
}

// recvfrom receives into p and, unless rsa is nil, the sender's address and
// its length.
func recvfrom(fd int, p []byte, flags int, rsa *unix.RawSockaddrAny) (int, uint32, error) {
	selector.Rearm(fd)
	for {
		n, from, err := unix.Recvfrom(fd, p, flags)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		var l uint32
		if rsa != nil && from != nil {
			l = putSockaddr(rsa, from)
		}
		return n, l, nil
	}
}

// putSockaddr writes an x/sys Sockaddr into rsa and returns its length.
func putSockaddr(rsa *unix.RawSockaddrAny, sa unix.Sockaddr) uint32 {
	var l uint32
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		l, _ = putInet(rsa, unix.AF_INET, netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)))
	case *unix.SockaddrInet6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.ZoneId != 0 {
			a = a.WithZone(zoneName(sa.ZoneId))
		}
		l, _ = putInet(rsa, unix.AF_INET6, netip.AddrPortFrom(a, uint16(sa.Port)))
	case *unix.SockaddrUnix:
		l, _ = putUnix(rsa, sa.Name)
	}
	return l
}

// sockaddr reads rsa (l bytes) as an x/sys Sockaddr.
func sockaddr(rsa *unix.RawSockaddrAny, l uint32) unix.Sockaddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return &unix.SockaddrInet4{Port: int(getPort(&sa.Port)), Addr: sa.Addr}
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		return &unix.SockaddrInet6{Port: int(getPort(&sa.Port)), ZoneId: sa.Scope_id, Addr: sa.Addr}
	case unix.AF_UNIX:
		return &unix.SockaddrUnix{Name: unixAddr(rsa, l)}
	}
	return nil
}

// Unix sockets have no abstract namespace off Linux.
const abstractUnix = false

// reusePortSpreads: SO_REUSEPORT does not spread connections the same way
// here (FreeBSD needs SO_REUSEPORT_LB; macOS gives them to one listener;
// illumos has no SO_REUSEPORT), so ListenTCPReusePort refuses at once and
// setReusePort is never reached.
const reusePortSpreads = false

func setReusePort(int) error { return errNotLinux }

// batch is empty: batches are Linux's (sendmmsg, recvmmsg).
type batch struct{}
