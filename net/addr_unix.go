//go:build unix

package net

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Socket addresses are built in and read from a caller's RawSockaddrAny, on
// the stack, so that SendTo and RecvFrom do not allocate.

// familyOf returns the socket family for an address.
func familyOf(ap netip.AddrPort) int {
	if ap.Addr().Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// putInet writes ap into rsa for a socket of the given family (an IPv4
// address is mapped into IPv6 for an AF_INET6 socket) and returns the length.
func putInet(rsa *unix.RawSockaddrAny, family int, ap netip.AddrPort) (uint32, error) {
	addr := ap.Addr()
	if !addr.IsValid() {
		return 0, errNoAddress
	}
	port := ap.Port()
	if family == unix.AF_INET {
		addr = addr.Unmap()
		if !addr.Is4() {
			return 0, unix.EAFNOSUPPORT
		}
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		*sa = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: addr.As4()}
		putPort(&sa.Port, port)
		setLen(rsa, unix.SizeofSockaddrInet4)
		return unix.SizeofSockaddrInet4, nil
	}
	sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: addr.As16()}
	putPort(&sa.Port, port)
	if z := addr.Zone(); z != "" {
		sa.Scope_id = zoneIndex(z)
	}
	setLen(rsa, unix.SizeofSockaddrInet6)
	return unix.SizeofSockaddrInet6, nil
}

// putPort stores a port in network byte order.
func putPort(dst *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(dst))
	b[0], b[1] = byte(port>>8), byte(port)
}

// inetAddr reads an AF_INET or AF_INET6 address; anything else is the zero
// AddrPort.
func inetAddr(rsa *unix.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), getPort(&sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		addr := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			addr = addr.WithZone(zoneName(sa.Scope_id))
		}
		return netip.AddrPortFrom(addr, getPort(&sa.Port))
	}
	return netip.AddrPort{}
}

func getPort(src *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(src))
	return uint16(b[0])<<8 | uint16(b[1])
}

// putUnix writes a Unix address: "" is unnamed (autobind on bind), "@name"
// the abstract namespace, anything else a path.
func putUnix(rsa *unix.RawSockaddrAny, path string) (uint32, error) {
	sa := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
	*sa = unix.RawSockaddrUnix{Family: unix.AF_UNIX}
	if len(path) >= len(sa.Path) {
		return 0, unix.ENAMETOOLONG
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&sa.Path[0])), len(sa.Path)), path) // int8 or uint8, by OS
	const base = uint32(unsafe.Offsetof(sa.Path))
	var l uint32
	switch {
	case path == "":
		l = base
	case path[0] == '@':
		if !abstractUnix {
			return 0, fmt.Errorf("%w: %q: the abstract namespace is Linux's", errNoAddress, path)
		}
		sa.Path[0] = 0 // abstract: no terminating NUL, the length bounds it
		l = base + uint32(len(path))
	default:
		l = base + uint32(len(path)) + 1
	}
	setLen(rsa, l)
	return l, nil
}

// unixAddr reads a Unix address of length l; see putUnix for the forms.
func unixAddr(rsa *unix.RawSockaddrAny, l uint32) string {
	sa := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
	const base = uint32(unsafe.Offsetof(sa.Path))
	if rsa.Addr.Family != unix.AF_UNIX || l <= base {
		return ""
	}
	n := int(l - base)
	n = min(n, len(sa.Path))
	b := unsafe.Slice((*byte)(unsafe.Pointer(&sa.Path[0])), n)
	if b[0] == 0 {
		if n == 1 {
			return ""
		}
		return "@" + string(b[1:])
	}
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// localAddr and peerAddr read the socket's names.
func sockName(fd int, peer bool) (unix.RawSockaddrAny, uint32, error) {
	var rsa unix.RawSockaddrAny
	l := uint32(unsafe.Sizeof(rsa))
	var err error
	if peer {
		err = getpeername(fd, &rsa, &l)
	} else {
		err = getsockname(fd, &rsa, &l)
	}
	return rsa, l, err
}

// zoneIndex and zoneName convert IPv6 zones; numeric zones are accepted too.
func zoneIndex(zone string) uint32 {
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	n, _ := strconv.ParseUint(zone, 10, 32)
	return uint32(n)
}

func zoneName(index uint32) string {
	if ifi, err := net.InterfaceByIndex(int(index)); err == nil {
		return ifi.Name
	}
	return strconv.FormatUint(uint64(index), 10)
}
