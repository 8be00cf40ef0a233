package net

import "golang.org/x/sys/unix"

// Linux's sockaddr has no length byte, and Unix sockets have an abstract
// namespace ("@name").
func setLen(rsa *unix.RawSockaddrAny, l uint32) {}

const abstractUnix = true

// reusePortSpreads: Linux spreads connections among SO_REUSEPORT listeners.
const reusePortSpreads = true

func setReusePort(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
}
