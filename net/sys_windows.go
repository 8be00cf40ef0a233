package net

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// What x/sys does not bind (or binds as unsupported), through LazyProc.
var (
	ws2_32          = windows.NewLazySystemDLL("ws2_32.dll")
	procAccept      = ws2_32.NewProc("accept")
	procIoctlsocket = ws2_32.NewProc("ioctlsocket")
)

// Winsock values x/sys lacks.
const (
	soError           = 0x1007
	ipDropMembership  = 0xd
	ipv6LeaveGroup    = 0xd
	fionbio           = 0x8004667e
	fromProtocolInfo  = -1
	invalidSocket     = ^uintptr(0)
	socketFlags       = windows.WSA_FLAG_OVERLAPPED | windows.WSA_FLAG_NO_HANDLE_INHERIT
	maxBuffersPerCall = 64
)

var wsaStartup = sync.OnceValue(func() error {
	var d windows.WSAData
	if err := windows.WSAStartup(uint32(0x202), &d); err != nil {
		return fmt.Errorf("mio/net: WSAStartup: %w", err)
	}
	return nil
})

// setNonblock turns on non-blocking mode (FIONBIO).
func setNonblock(h windows.Handle) error {
	on := uint32(1)
	r, _, e := syscall.SyscallN(procIoctlsocket.Addr(), uintptr(h), fionbio, uintptr(unsafe.Pointer(&on)))
	if r != 0 {
		return fmt.Errorf("mio/net: ioctlsocket(FIONBIO): %w", e)
	}
	return nil
}

// newSocket creates a non-blocking, non-inheritable socket.
func newSocket(family, typ, proto int) (windows.Handle, error) {
	if err := wsaStartup(); err != nil {
		return windows.InvalidHandle, err
	}
	h, err := windows.WSASocket(int32(family), int32(typ), int32(proto), nil, 0, socketFlags)
	if err != nil {
		return windows.InvalidHandle, fmt.Errorf("mio/net: socket: %w", err)
	}
	if err := setNonblock(h); err != nil {
		windows.Closesocket(h)
		return windows.InvalidHandle, err
	}
	return h, nil
}

// accept takes a pending connection and makes it non-blocking.
func accept(h windows.Handle) (windows.Handle, netip.AddrPort, error) {
	var rsa windows.RawSockaddrAny
	l := int32(unsafe.Sizeof(rsa))
	r, _, e := syscall.SyscallN(procAccept.Addr(), uintptr(h), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&l)))
	if r == invalidSocket {
		return windows.InvalidHandle, netip.AddrPort{}, e
	}
	nh := windows.Handle(r)
	if err := setNonblock(nh); err != nil {
		windows.Closesocket(nh)
		return windows.InvalidHandle, netip.AddrPort{}, err
	}
	sa, err := rsa.Sockaddr()
	if err != nil {
		return nh, netip.AddrPort{}, nil
	}
	return nh, fromSockaddr(sa), nil
}

func familyOf(ap netip.AddrPort) int {
	if ap.Addr().Is4() {
		return windows.AF_INET
	}
	return windows.AF_INET6
}

func toSockaddr(ap netip.AddrPort) (windows.Sockaddr, error) {
	if !ap.IsValid() {
		return nil, errNoAddress
	}
	a := ap.Addr()
	if a.Is4() {
		return &windows.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}, nil
	}
	sa := &windows.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if z := a.Zone(); z != "" {
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return nil, fmt.Errorf("%w: zone %q", errNoAddress, z)
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return sa, nil
}

func fromSockaddr(sa windows.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *windows.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *windows.SockaddrInet6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a = a.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(a, uint16(sa.Port))
	}
	return netip.AddrPort{}
}
