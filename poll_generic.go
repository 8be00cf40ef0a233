//go:build linux

package mio

import (
	"syscall"
	"unsafe"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// The portable twin of the generated hot path (hotpath.go), over x/sys. It is
// what runs under the purego tag and on architectures without assembly, and
// it is the reference that the differential and fuzz tests hold the assembly
// to, so it is compiled on every Linux build.

// epollRecordSize and epollDataOffset describe struct epoll_event on this
// architecture: 12 bytes with data at 4 on amd64 (packed), 16 with data at 8
// elsewhere.
const (
	epollRecordSize = int(unsafe.Sizeof(unix.EpollEvent{}))
	epollDataOffset = int(unsafe.Offsetof(unix.EpollEvent{}.Fd))
	eventSize       = int(unsafe.Sizeof(Event{}))
)

func epollWaitGeneric(epfd int, events unsafe.Pointer, maxevents int, msec int) (int, uintptr) {
	r, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(events), uintptr(maxevents), uintptr(msec), 0, 0)
	if e != 0 {
		return -1, uintptr(e)
	}
	return int(r), 0
}

func epollWaitBlockingGeneric(epfd int, events unsafe.Pointer, maxevents int, msec int) (int, uintptr) {
	r, _, e := syscall.Syscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(events), uintptr(maxevents), uintptr(msec), 0, 0)
	if e != 0 {
		return -1, uintptr(e)
	}
	return int(r), 0
}

// epollTail is where the kernel's records go for an in-place decode: at the
// end of the slot memory, so that writing slot i never reaches record i+1.
func epollTail(slots *Event, maxevents int) unsafe.Pointer {
	return unsafe.Add(unsafe.Pointer(slots), maxevents*(eventSize-epollRecordSize))
}

func epollWaitDecodeGeneric(epfd int, slots *Event, maxevents int, msec int) (int, uintptr) {
	raw := epollTail(slots, maxevents)
	n, e := epollWaitGeneric(epfd, raw, maxevents, msec)
	if e != 0 {
		return 0, e
	}
	decodeEpollGeneric(slots, raw, n)
	return n, 0
}

func epollWaitDecodeBlockingGeneric(epfd int, slots *Event, maxevents int, msec int) (int, uintptr) {
	raw := epollTail(slots, maxevents)
	n, e := epollWaitBlockingGeneric(epfd, raw, maxevents, msec)
	if e != 0 {
		return 0, e
	}
	decodeEpollGeneric(slots, raw, n)
	return n, 0
}

func decodeEpollGeneric(dst *Event, src unsafe.Pointer, n int) {
	for i := range n {
		rec := unsafe.Add(src, i*epollRecordSize)
		bits := *(*uint32)(rec)
		token := *(*uint64)(unsafe.Add(rec, epollDataOffset))
		*(*Event)(unsafe.Add(unsafe.Pointer(dst), i*eventSize)) = events.MakeEvent(Token(token), selector.EpollFlags(bits), bits)
	}
}

// kernelTimespec is struct __kernel_timespec, what epoll_pwait2 reads: two
// 64-bit fields on every architecture, where unix.Timespec has 32-bit ones
// on 32-bit architectures (a kernel reading one of those takes the
// nanoseconds for the high half of the seconds, and sleeps for ages).
type kernelTimespec struct{ sec, nsec int64 }

func epollPwait2DecodeBlockingGeneric(epfd int, slots *Event, maxevents int, ts *unix.Timespec) (int, uintptr) {
	raw := epollTail(slots, maxevents)
	kts := kernelTimespec{int64(ts.Sec), int64(ts.Nsec)}
	r, _, e := syscall.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(epfd), uintptr(raw), uintptr(maxevents), uintptr(unsafe.Pointer(&kts)), 0, 0)
	if e != 0 {
		return 0, uintptr(e)
	}
	decodeEpollGeneric(slots, raw, int(r))
	return int(r), 0
}
