//go:build linux && (amd64 || arm64) && !purego

package mio

import (
	"unsafe"

	"github.com/gomio/mio/internal/rawsys"
	"golang.org/x/sys/unix"
)

// The generated files, two per command (the assembly and the Go declarations
// of its routines, with their godoc), each pair written by the command on its
// line: the generators in asm/ are the source of truth. make generate runs
// these, and make check-generate fails when a committed file differs from
// what they write:
//
//go:generate sh -c "cd asm && go run ./amd64 -out ../poll_amd64.s -godecl ../hotpath_decl_amd64.go"
//go:generate sh -c "cd asm && go run ./arm64 -out ../poll_arm64.s -godecl ../hotpath_decl_arm64.go"
//go:generate sh -c "cd asm && go run ./amd64 -rawsys -out ../internal/rawsys/rawsys_amd64.s -godecl ../internal/rawsys/rawsys_decl_amd64.go"
//go:generate sh -c "cd asm && go run ./arm64 -rawsys -out ../internal/rawsys/rawsys_arm64.s -godecl ../internal/rawsys/rawsys_decl_arm64.go"
//go:generate sh -c "cd asm && go run ./amd64 -kevent -out ../internal/kevent/decode_amd64.s -godecl ../internal/kevent/decode_decl_amd64.go"
//go:generate sh -c "cd asm && go run ./arm64 -kevent -out ../internal/kevent/decode_arm64.s -godecl ../internal/kevent/decode_decl_arm64.go"
//go:generate sh -c "cd asm && go run ./amd64 -afd -out ../internal/iocp/decode_amd64.s -godecl ../internal/iocp/decode_decl_amd64.go"
//go:generate sh -c "cd asm && go run ./arm64 -afd -out ../internal/iocp/decode_arm64.s -godecl ../internal/iocp/decode_decl_arm64.go"

// The hot path. The routines are generated assembly (poll_amd64.s,
// poll_arm64.s), declared in the generated hotpath_decl_*.go, and each has a
// portable twin in poll_generic.go that the tests hold it to (hotpath_twin.go
// binds the twin to these names where there is no assembly).
//
// Safety rule: a raw syscall keeps the goroutine's P and is invisible to the
// scheduler and the garbage collector, so a raw call is only ever made where
// it cannot block: a wait with a zero timeout, or I/O on a non-blocking
// descriptor. A wait that may block goes through epollWaitDecodeBlocking,
// which brackets the same trampoline with entersyscall/exitsyscall. A raw
// blocking epoll_pwait would hold the P and stall every stop-the-world, and
// with it the garbage collector, for as long as it sleeps.

//go:linkname entersyscall runtime.entersyscall
func entersyscall()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()

// epollWaitDecodeBlocking is epollWaitDecode for a wait that may block: the
// runtime is told that the thread is in a syscall, so it hands the P to other
// goroutines and the garbage collector does not wait for this one.
//
//go:nosplit
func epollWaitDecodeBlocking(epfd int, slots *Event, maxevents int, msec int) (n int, errno uintptr) {
	entersyscall()
	n, errno = epollWaitDecode(epfd, slots, maxevents, msec)
	exitsyscall()
	return
}

// epollWaitBlocking is epollWait for a wait that may block.
//
//go:nosplit
func epollWaitBlocking(epfd int, events unsafe.Pointer, maxevents int, msec int) (n int, errno uintptr) {
	entersyscall()
	n, errno = epollWait(epfd, events, maxevents, msec)
	exitsyscall()
	return
}

// epollPwait2DecodeBlocking waits with epoll_pwait2 (a timespec timeout,
// so microseconds are honoured) and decodes with the generated decoder. The
// syscall is the raw trampoline bracketed for the scheduler; everything
// between the brackets is nosplit.
//
//go:nosplit
func epollPwait2DecodeBlocking(epfd int, slots *Event, maxevents int, ts *unix.Timespec) (n int, errno uintptr) {
	raw := unsafe.Add(unsafe.Pointer(slots), maxevents*(eventSize-epollRecordSize))
	entersyscall()
	r, e := rawsys.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(epfd), uintptr(raw), uintptr(maxevents), uintptr(unsafe.Pointer(ts)), 0, 0)
	exitsyscall()
	if e != 0 {
		return 0, e
	}
	decodeEpoll(slots, raw, int(r))
	return int(r), 0
}

// hotpathGenerated reports whether the generated assembly is in use.
const hotpathGenerated = true
