//go:build linux

package selector

import (
	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// EpollFlags maps epoll_event.events to normalised readiness, as mio's epoll
// selector does:
//
//	readable     EPOLLIN or EPOLLPRI
//	writable     EPOLLOUT
//	error        EPOLLERR
//	read-closed  EPOLLHUP, or EPOLLIN with EPOLLRDHUP
//	write-closed EPOLLHUP, or EPOLLOUT with EPOLLERR, or EPOLLERR alone
//	priority     EPOLLPRI
//
// Only the six bits above take part (the selector asks for no others, and
// the kernel reports only what was asked plus EPOLLERR and EPOLLHUP), so
// "EPOLLERR alone" means alone among them. The generated decoders implement
// this same table; the differential tests hold them to it.
func EpollFlags(raw uint32) events.Flags {
	const (
		in    = unix.EPOLLIN
		pri   = unix.EPOLLPRI
		out   = unix.EPOLLOUT
		err   = unix.EPOLLERR
		hup   = unix.EPOLLHUP
		rdhup = unix.EPOLLRDHUP
	)
	e := raw & (in | pri | out | err | hup | rdhup)
	var f events.Flags
	if e&(in|pri) != 0 {
		f |= events.FlagReadable
	}
	if e&out != 0 {
		f |= events.FlagWritable
	}
	if e&err != 0 {
		f |= events.FlagError
	}
	if e&hup != 0 || e&(in|rdhup) == in|rdhup {
		f |= events.FlagReadClosed
	}
	if e&hup != 0 || e&(out|err) == out|err || e == err {
		f |= events.FlagWriteClosed
	}
	if e&pri != 0 {
		f |= events.FlagPriority
	}
	return f
}

// EpollFlagIndex packs the six bits EpollFlags reads into an index below 64:
// IN, PRI, OUT, ERR, HUP keep bits 0-4 and RDHUP (bit 13) moves to bit 5.
// The generated decoders look flags up in a 64-entry table built from
// EpollFlags with this index.
func EpollFlagIndex(raw uint32) uint32 { return raw&0x1f | raw>>8&0x20 }
