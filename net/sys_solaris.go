package net

import "golang.org/x/sys/unix"

// What the x/sys path (io_xsys.go) needs from Solaris and illumos.

// somaxconn is the listen backlog: Solaris has no sysctl to ask, and Go's
// net uses SOMAXCONN there too.
const somaxconn = unix.SOMAXCONN

// Solaris's sockaddrs have no length byte, as Linux's.
func setLen(rsa *unix.RawSockaddrAny, l uint32) {}
