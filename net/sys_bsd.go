//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package net

import "golang.org/x/sys/unix"

// What the x/sys path (io_xsys.go) needs from darwin and the BSDs.

// somaxconn is the listen backlog: the system's maximum where sysctl tells
// it, as Go's net uses.
var somaxconn = func() int {
	for _, name := range []string{"kern.ipc.somaxconn", "kern.somaxconn"} {
		if n, err := unix.SysctlUint32(name); err == nil && n > 0 {
			return int(min(n, 1<<16-1))
		}
	}
	return unix.SOMAXCONN
}()

// Sockaddrs on darwin and the BSDs start with their length.
func setLen(rsa *unix.RawSockaddrAny, l uint32) { rsa.Addr.Len = uint8(l) }
