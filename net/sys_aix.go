package net

import "golang.org/x/sys/unix"

// What the x/sys path (io_xsys.go) needs from AIX.

// somaxconn is the listen backlog: AIX has no sysctl to ask, and Go's net
// uses SOMAXCONN there too.
const somaxconn = unix.SOMAXCONN

// AIX's sockaddrs start with their length, as the BSDs' do.
func setLen(rsa *unix.RawSockaddrAny, l uint32) { rsa.Addr.Len = uint8(l) }
