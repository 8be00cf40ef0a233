package net

import (
	"fmt"
	"io"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/rawsys"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
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

// Read reads what is available: (0, io.EOF) at the end of the stream,
// mio.ErrWouldBlock when nothing is available yet.
func (s *stream) Read(p []byte) (int, error) {
	fd := s.fd.Get()
	if fd < 0 || len(p) == 0 {
		return 0, s.unusable(fd)
	}
	selector.Rearm(int(fd)) // see rearm
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

// Write writes what the socket buffer takes, possibly less than len(p);
// mio.ErrWouldBlock when it takes nothing. It never raises SIGPIPE: a closed
// peer is an error matching syscall.EPIPE.
func (s *stream) Write(p []byte) (int, error) {
	fd := s.fd.Get()
	if fd < 0 || len(p) == 0 {
		return 0, s.unusable(fd)
	}
	selector.Rearm(int(fd)) // see rearm
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
	fd := s.fd.Get()
	if fd < 0 {
		return 0, mio.ErrClosed
	}
	selector.Rearm(int(fd)) // see rearm
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
	fd := s.fd.Get()
	if fd < 0 {
		return 0, mio.ErrClosed
	}
	selector.Rearm(int(fd)) // see rearm
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
	selector.Rearm(fd)
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

// setup makes a descriptor created elsewhere (FromFd) close-on-exec and
// non-blocking; the sockets made here have both from their creation flags.
func setup(fd int) error {
	unix.CloseOnExec(fd)
	return unix.SetNonblock(fd, true)
}

// socketPair creates a connected, non-blocking, close-on-exec pair.
func socketPair(typ int) (int, int, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, -1, fmt.Errorf("mio/net: socketpair: %w", err)
	}
	return fds[0], fds[1], nil
}
