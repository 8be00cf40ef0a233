package net

import (
	"runtime"
	"syscall"
	"unsafe"
)

// WASI Preview 1's socket calls that package syscall does not export:
// sock_recv and sock_send, of which std's wasip1 net uses only the fd_read
// and fd_write equivalents, but which alone can peek (RECV_PEEK). Accept and
// shutdown are syscall's (sock_accept, sock_shutdown).

//go:wasmimport wasi_snapshot_preview1 sock_recv
//go:noescape
func sockRecv(fd int32, iovs unsafe.Pointer, iovsLen uint32, riflags uint32, nread, roflags unsafe.Pointer) uint32

//go:wasmimport wasi_snapshot_preview1 sock_send
//go:noescape
func sockSend(fd int32, iovs unsafe.Pointer, iovsLen uint32, siflags uint32, nwritten unsafe.Pointer) uint32

// recvPeek is riflags' RECV_PEEK: the bytes stay for the next receive.
const recvPeek = 1

// iovec is WASI's: a 32-bit address in linear memory and a length.
type iovec struct {
	buf uint32
	len uint32
}

// recv is one sock_recv into p, which is not empty.
func recv(fd int, p []byte, flags uint32) (int, error) {
	iov := iovec{buf: uint32(uintptr(unsafe.Pointer(unsafe.SliceData(p)))), len: uint32(len(p))}
	var n uint32
	var roflags uint16
	e := sockRecv(int32(fd), unsafe.Pointer(&iov), 1, flags, unsafe.Pointer(&n), unsafe.Pointer(&roflags))
	runtime.KeepAlive(p)
	if e != 0 {
		return 0, syscall.Errno(e)
	}
	return int(n), nil
}

// send is one sock_send of p, which is not empty.
func send(fd int, p []byte) (int, error) {
	iov := iovec{buf: uint32(uintptr(unsafe.Pointer(unsafe.SliceData(p)))), len: uint32(len(p))}
	var n uint32
	e := sockSend(int32(fd), unsafe.Pointer(&iov), 1, 0, unsafe.Pointer(&n))
	runtime.KeepAlive(p)
	if e != 0 {
		return 0, syscall.Errno(e)
	}
	return int(n), nil
}
