//go:build linux && (purego || !(amd64 || arm64))

package mio

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The hot path's names bound to the portable twin (poll_generic.go), where
// there is no generated assembly: under the purego tag, and on architectures
// the generators do not cover. See hotpath.go for the contract.

func epollWait(epfd int, events unsafe.Pointer, maxevents int, msec int) (int, uintptr) {
	return epollWaitGeneric(epfd, events, maxevents, msec)
}

func epollWaitDecode(epfd int, slots *Event, maxevents int, msec int) (int, uintptr) {
	return epollWaitDecodeGeneric(epfd, slots, maxevents, msec)
}

func decodeEpoll(dst *Event, src unsafe.Pointer, n int) { decodeEpollGeneric(dst, src, n) }

func epollWaitDecodeBlocking(epfd int, slots *Event, maxevents int, msec int) (int, uintptr) {
	return epollWaitDecodeBlockingGeneric(epfd, slots, maxevents, msec)
}

func epollWaitBlocking(epfd int, events unsafe.Pointer, maxevents int, msec int) (int, uintptr) {
	return epollWaitBlockingGeneric(epfd, events, maxevents, msec)
}

func epollPwait2DecodeBlocking(epfd int, slots *Event, maxevents int, ts *unix.Timespec) (int, uintptr) {
	return epollPwait2DecodeBlockingGeneric(epfd, slots, maxevents, ts)
}

const hotpathGenerated = false
