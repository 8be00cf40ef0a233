//go:build linux

package net

import (
	"runtime"
	"unsafe"

	"github.com/gomio/mio/internal/rawsys"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr: a msghdr and the byte count the kernel fills in.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// batch is the kernel-facing scratch of a socket's batches: headers, iovecs
// and addresses, grown to the largest batch seen so that later batches do
// not allocate.
type batch struct {
	hdrs  []mmsghdr
	iovs  []unix.Iovec
	addrs []unix.RawSockaddrAny
}

func (b *batch) grow(n int) {
	if len(b.hdrs) < n {
		b.hdrs = make([]mmsghdr, n)
		b.iovs = make([]unix.Iovec, n)
		b.addrs = make([]unix.RawSockaddrAny, n)
	}
}

// prepare points one header and one iovec at each message's buffer.
func (b *batch) prepare(ms []Message) {
	b.grow(len(ms))
	for i := range ms {
		// An empty datagram still gets one (empty) iovec: emulators such as
		// qemu-user drop a message whose iovec array is absent.
		b.iovs[i] = unix.Iovec{}
		if len(ms[i].Buf) > 0 {
			b.iovs[i].Base = &ms[i].Buf[0]
			b.iovs[i].SetLen(len(ms[i].Buf))
		}
		b.hdrs[i] = mmsghdr{}
		b.hdrs[i].hdr.Iov = &b.iovs[i]
		b.hdrs[i].hdr.SetIovlen(1)
	}
}

// release drops the references to the caller's buffers, so that the scratch
// does not keep them from the garbage collector.
func (b *batch) release(n int) {
	for i := range n {
		b.iovs[i].Base = nil
	}
}

// exchange makes the prepared sendmmsg or recvmmsg call (trap), sets
// ms[i].N for each message it moved and returns how many.
func (b *batch) exchange(fd int, trap uintptr, ms []Message, flags int) (int, error) {
	selector.Rearm(fd)
	for {
		n, e := rawsys.Syscall6(trap, uintptr(fd), uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(ms)), uintptr(flags), 0, 0)
		runtime.KeepAlive(ms)
		if e == uintptr(unix.EINTR) {
			continue
		}
		b.release(len(ms))
		if e != 0 {
			return 0, errno(e)
		}
		for i := range int(n) {
			ms[i].N = int(b.hdrs[i].n)
		}
		return int(n), nil
	}
}

// SendBatch sends ms[i].Buf to ms[i].Addr (or the connected peer when Addr
// is the zero value) with one sendmmsg, sets ms[i].N for each datagram sent
// and returns how many were sent; mio.ErrWouldBlock when none could be. An
// empty batch is (0, nil).
func (u *UDPSocket) SendBatch(ms []Message) (int, error) {
	fd, err := u.sysfd()
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	b := &u.batch
	b.prepare(ms)
	for i := range ms {
		if ms[i].Addr.IsValid() {
			l, err := putInet(&b.addrs[i], u.domain, ms[i].Addr)
			if err != nil {
				b.release(len(ms))
				return 0, err
			}
			b.hdrs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.addrs[i]))
			b.hdrs[i].hdr.Namelen = l
		}
	}
	return b.exchange(fd, unix.SYS_SENDMMSG, ms, unix.MSG_NOSIGNAL)
}

// RecvBatch receives up to len(ms) datagrams with one recvmmsg, filling
// ms[i].N and ms[i].Addr for each, and returns how many; mio.ErrWouldBlock
// when none is waiting.
func (u *UDPSocket) RecvBatch(ms []Message) (int, error) {
	fd, err := u.sysfd()
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	b := &u.batch
	b.prepare(ms)
	for i := range ms {
		b.hdrs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.addrs[i]))
		b.hdrs[i].hdr.Namelen = uint32(unsafe.Sizeof(b.addrs[i]))
	}
	n, err := b.exchange(fd, unix.SYS_RECVMMSG, ms, unix.MSG_DONTWAIT)
	for i := range n {
		ms[i].Addr = inetAddr(&b.addrs[i])
	}
	return n, err
}
