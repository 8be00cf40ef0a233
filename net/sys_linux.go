//go:build linux

package net

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/gomio/mio/internal/rawsys"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// The few calls x/sys offers only with allocating Sockaddr values, made on a
// caller's RawSockaddrAny instead.

func getsockname(fd int, rsa *unix.RawSockaddrAny, l *uint32) error {
	_, _, e := syscall.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(l)))
	if e != 0 {
		return e
	}
	return nil
}

func getpeername(fd int, rsa *unix.RawSockaddrAny, l *uint32) error {
	_, _, e := syscall.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(l)))
	if e != 0 {
		return e
	}
	return nil
}

func bind(fd int, rsa *unix.RawSockaddrAny, l uint32) error {
	_, _, e := syscall.RawSyscall(unix.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(l))
	if e != 0 {
		return e
	}
	return nil
}

// connect starts a connection; on a non-blocking stream socket EINPROGRESS
// is the normal answer and completion is a writable event.
func connect(fd int, rsa *unix.RawSockaddrAny, l uint32) error {
	_, _, e := syscall.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(rsa)), uintptr(l))
	switch e {
	case 0, unix.EINPROGRESS:
		return nil
	case unix.EINTR:
		// An interrupted connect goes on in the background, as if started;
		// retrying would only report EALREADY.
		return nil
	}
	return e
}

// bindAddressNoPort leaves the port of a bind with port 0 to connect, which
// picks one free for the 4-tuple rather than for the address alone. Kernels
// before 4.2 lack the option and bind as usual.
func bindAddressNoPort(fd int) {
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
}

// sendto sends p, to the address in rsa (l bytes) or, with rsa nil, to the
// connected peer; never a SIGPIPE.
func sendto(fd int, p []byte, flags int, rsa *unix.RawSockaddrAny, l uint32) (int, error) {
	selector.Rearm(fd)
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	for {
		n, e := rawsys.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(ptr), uintptr(len(p)), uintptr(flags|unix.MSG_NOSIGNAL), uintptr(unsafe.Pointer(rsa)), uintptr(l))
		runtime.KeepAlive(p)
		if e == uintptr(unix.EINTR) {
			continue
		}
		if e != 0 {
			return 0, errno(e)
		}
		return int(n), nil
	}
}

// recvfrom receives into p and, unless rsa is nil, the sender's address and
// its length.
func recvfrom(fd int, p []byte, flags int, rsa *unix.RawSockaddrAny) (int, uint32, error) {
	selector.Rearm(fd)
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	var l uint32
	var lp *uint32 // no address wanted (rsa == nil): no length either
	if rsa != nil {
		lp = &l
	}
	for {
		l = uint32(unsafe.Sizeof(unix.RawSockaddrAny{}))
		n, e := rawsys.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(ptr), uintptr(len(p)), uintptr(flags), uintptr(unsafe.Pointer(rsa)), uintptr(unsafe.Pointer(lp)))
		runtime.KeepAlive(p)
		if e == uintptr(unix.EINTR) {
			continue
		}
		if e != 0 {
			return 0, 0, errno(e)
		}
		return int(n), l, nil
	}
}

// somaxconn is the listen backlog: the system's maximum, as Go's net uses,
// so that a burst of connections is queued rather than reset.
var somaxconn = func() int {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			return min(n, 1<<16-1)
		}
	}
	return unix.SOMAXCONN
}()
