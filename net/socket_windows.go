package net

import (
	"fmt"
	"io"
	"net/netip"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/gomio/mio"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/windows"
)

// socket is the SOCKET every type embeds: its ownership, its registration
// (the selector polling it, which the socket re-arms after a would-block,
// as mio's Windows sources do), pending error and raw access. The zero
// socket (of a type declared without its constructor) holds none and is
// closed: h is 0 there, a value no socket handle has (handles are never
// NULL), and every call treats it as INVALID_SOCKET.
type socket struct {
	h   atomic.Uintptr // 0 in the zero socket, invalidSocket once closed or released
	sel atomic.Pointer[selector.Selector]
}

func (s *socket) owns(h windows.Handle) { s.h.Store(uintptr(h)) }

// sysfd returns the socket, or ErrClosed.
func (s *socket) sysfd() (windows.Handle, error) {
	h := s.h.Load()
	if h == invalidSocket || h == 0 {
		return windows.InvalidHandle, mio.ErrClosed
	}
	return windows.Handle(h), nil
}

// The calls the shared socket code (rawconn.go) makes.
var (
	setsockoptInt = windows.SetsockoptInt
	getsockoptInt = windows.GetsockoptInt
	shutdownCall  = windows.Shutdown
)

const (
	shutRD   = windows.SHUT_RD
	shutWR   = windows.SHUT_WR
	shutRDWR = windows.SHUT_RDWR
)

// handle is the SOCKET as SyscallConn passes it.
func (s *socket) handle() (uintptr, error) {
	h, err := s.sysfd()
	return uintptr(h), err
}

// Fd returns the SOCKET, owned by the socket still; INVALID_SOCKET
// (^uintptr(0), windows.InvalidHandle) once there is none: after Close or
// Release, and for a zero value, which holds none (and must not answer 0,
// a number Winsock can give to a socket).
func (s *socket) Fd() uintptr {
	if h := s.h.Load(); h != 0 {
		return h
	}
	return invalidSocket
}

// Close deregisters and closes the socket. A second Close returns an error
// matching mio.ErrClosed and never touches the handle again.
func (s *socket) Close() error {
	h := s.h.Swap(invalidSocket)
	if h == invalidSocket || h == 0 {
		return mio.ErrClosed
	}
	if sel := s.sel.Swap(nil); sel != nil {
		_ = sel.Deregister(h)
	}
	if err := windows.Closesocket(windows.Handle(h)); err != nil {
		return fmt.Errorf("mio/net: closesocket: %w", err)
	}
	return nil
}

// Register implements mio.Source.
func (s *socket) Register(r *mio.Registry, t mio.Token, i mio.Interest) error {
	sel, h, err := s.registration(r)
	if err != nil {
		return err
	}
	// The selectors refuse a socket registered with any of them.
	if err := sel.Register(uintptr(h), t, i); err != nil {
		return err
	}
	s.sel.Store(sel)
	return nil
}

// Reregister implements mio.Source.
func (s *socket) Reregister(r *mio.Registry, t mio.Token, i mio.Interest) error {
	sel, h, err := s.registration(r)
	if err != nil {
		return err
	}
	return sel.Reregister(uintptr(h), t, i)
}

// Deregister implements mio.Source.
func (s *socket) Deregister(r *mio.Registry) error {
	sel, h, err := s.registration(r)
	if err != nil {
		return err
	}
	if err := sel.Deregister(uintptr(h)); err != nil {
		return err
	}
	s.sel.CompareAndSwap(sel, nil)
	return nil
}

// registration returns the selector behind r and the socket, or the error
// the Source calls report: ErrClosed for a closed socket (first, as on
// Unix, whatever r is), ErrNilRegistry.
func (s *socket) registration(r *mio.Registry) (*selector.Selector, windows.Handle, error) {
	h, err := s.sysfd()
	if err != nil {
		return nil, 0, err
	}
	sel := r.Selector()
	if sel == nil {
		return nil, 0, mio.ErrNilRegistry
	}
	return sel, h, nil
}

// wouldBlock re-arms the registration: the caller saw WSAEWOULDBLOCK, so
// the next readiness must be reported as a new event.
func (s *socket) wouldBlock() error {
	s.rearm()
	return mio.ErrWouldBlock
}

// rearm asks the AFD poll again for every condition of the interest. With
// epoll, every arrival of data (or room, or a connection) is a new edge,
// whether or not the program drained the socket first; a loop written for
// that (one that stops at a short read, reads one datagram per event, or
// gives up on an error) must work here too, so every call re-arms, not only
// one that would block. It costs a lock when nothing was reported since the
// last re-arm, and one poll submission when something was (which completes
// at once, with a spurious event at worst, if the condition still holds).
func (s *socket) rearm() {
	if sel := s.sel.Load(); sel != nil {
		_ = sel.Rearm(s.h.Load()) // a failure surfaces as the socket's next error
	}
}

// ioError maps a Winsock error: WSAEWOULDBLOCK becomes mio.ErrWouldBlock.
// Every failed call re-arms: on Linux the next readiness is a new edge
// whatever the last call returned (a listener that failed an accept still
// reports the next connection), and so it must be here.
func (s *socket) ioError(err error) error {
	if err == windows.WSAEWOULDBLOCK {
		return s.wouldBlock()
	}
	s.rearm()
	return err
}

// TakeError returns the socket's pending error (SO_ERROR), nil when there is
// none. Winsock does not clear SO_ERROR when it is read, so unlike on Unix
// a second call returns the same error (as with mio on Windows).
func (s *socket) TakeError() error {
	v, err := s.getInt(windows.SOL_SOCKET, soError)
	if err != nil {
		return err
	}
	if v != 0 {
		return syscall.Errno(v)
	}
	return nil
}

// inetName returns the socket's (or its peer's) address.
func (s *socket) inetName(peer bool) (netip.AddrPort, error) {
	h, err := s.sysfd()
	if err != nil {
		return netip.AddrPort{}, err
	}
	var sa windows.Sockaddr
	if peer {
		sa, err = windows.Getpeername(h)
	} else {
		sa, err = windows.Getsockname(h)
	}
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("mio/net: %s: %w", nameCall(peer), err)
	}
	return fromSockaddr(sa), nil
}

func nameCall(peer bool) string {
	if peer {
		return "getpeername"
	}
	return "getsockname"
}

func (s *socket) isV6() (bool, error) {
	a, err := s.inetName(false)
	return a.Addr().Is6(), err
}

func (s *socket) setTTL(ttl int) error {
	v6, err := s.isV6()
	if err != nil {
		return err
	}
	if v6 {
		return s.setInt(windows.IPPROTO_IPV6, windows.IPV6_UNICAST_HOPS, ttl)
	}
	return s.setInt(windows.IPPROTO_IP, windows.IP_TTL, ttl)
}

func (s *socket) ttl() (int, error) {
	v6, err := s.isV6()
	if err != nil {
		return 0, err
	}
	if v6 {
		return s.getInt(windows.IPPROTO_IPV6, windows.IPV6_UNICAST_HOPS)
	}
	return s.getInt(windows.IPPROTO_IP, windows.IP_TTL)
}

// stream is the I/O of TCPStream.
type stream struct {
	socket
}

// Read reads what is available: (0, io.EOF) at the end of the stream,
// mio.ErrWouldBlock when nothing is available yet.
func (s *stream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		_, err := s.sysfd()
		return 0, err
	}
	return s.ReadBuffers([][]byte{p})
}

// Write writes what the socket buffer takes, possibly less than len(p);
// mio.ErrWouldBlock when it takes nothing.
func (s *stream) Write(p []byte) (int, error) {
	if len(p) == 0 {
		_, err := s.sysfd()
		return 0, err
	}
	return s.WriteBuffers([][]byte{p})
}

// ReadBuffers reads into the buffers in order (WSARecv with several
// buffers). At most 64 non-empty buffers take part in one call.
func (s *stream) ReadBuffers(bufs [][]byte) (int, error) {
	return s.recv(bufs, 0)
}

func (s *stream) recv(bufs [][]byte, flags uint32) (int, error) {
	h, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	var wb [maxBuffersPerCall]windows.WSABuf
	cnt, total := fillBuffers(&wb, bufs)
	if total == 0 {
		return 0, nil
	}
	var n uint32
	if err := windows.WSARecv(h, &wb[0], uint32(cnt), &n, &flags, nil, nil); err != nil {
		return 0, s.ioError(err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	s.rearm()
	return int(n), nil
}

// WriteBuffers writes the buffers in order (WSASend with several buffers).
// At most 64 non-empty buffers take part in one call.
func (s *stream) WriteBuffers(bufs [][]byte) (int, error) {
	h, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	var wb [maxBuffersPerCall]windows.WSABuf
	cnt, total := fillBuffers(&wb, bufs)
	if total == 0 {
		return 0, nil
	}
	var n uint32
	if err := windows.WSASend(h, &wb[0], uint32(cnt), &n, 0, nil, nil); err != nil {
		return 0, s.ioError(err)
	}
	s.rearm()
	return int(n), nil
}

// Shutdown closes the read half, the write half, or both.
func (s *stream) Shutdown(how Shutdown) error { return s.shutdown(how) }

func fillBuffers(wb *[maxBuffersPerCall]windows.WSABuf, bufs [][]byte) (n, total int) {
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if n == len(wb) {
			break
		}
		wb[n] = windows.WSABuf{Len: uint32(min(len(b), 1<<30)), Buf: unsafe.SliceData(b)}
		total += int(wb[n].Len)
		n++
	}
	return n, total
}
