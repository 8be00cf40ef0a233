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
// "EPOLLERR alone" means alone among them. The generated decoders look the
// flags up in a table built from this function, indexed by raw & 0x201f
// (the six bits); the differential tests hold them to it.
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
