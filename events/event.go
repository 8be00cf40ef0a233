package events

import (
	"strconv"
	"strings"
)

// Event is one readiness report: the registration's Token, the readiness
// normalised to the flags below, and the raw bits the OS returned.
//
// It is exactly 16 bytes and holds no pointers, so that a ring of them costs
// the garbage collector nothing and the generated decoders can write it with
// two stores.
type Event struct {
	token Token
	flags Flags
	raw   uint32
}

// Flags is the normalised readiness of an Event. The selectors (and the
// generated decoders) map each OS's bits to these as mio does; see the
// selector package for the per-OS tables.
type Flags uint32

// The normalised readiness flags.
const (
	FlagReadable Flags = 1 << iota
	FlagWritable
	FlagError
	FlagReadClosed
	FlagWriteClosed
	FlagPriority
	FlagAIO
	FlagLIO
)

// MakeEvent builds an Event. Selectors use it; users receive events from a
// Poll and rarely need it, except to build test fixtures.
func MakeEvent(t Token, f Flags, raw uint32) Event { return Event{token: t, flags: f, raw: raw} }

// Token returns the token of the registration that became ready.
func (e Event) Token() Token { return e.token }

// Flags returns the normalised readiness flags.
func (e Event) Flags() Flags { return e.flags }

// Raw returns the readiness bits as the OS reported them (epoll_event.events
// on Linux), for callers that need a distinction the flags do not make.
func (e Event) Raw() uint32 { return e.raw }

// IsReadable reports read readiness (epoll: EPOLLIN or EPOLLPRI).
func (e Event) IsReadable() bool { return e.flags&FlagReadable != 0 }

// IsWritable reports write readiness (epoll: EPOLLOUT).
func (e Event) IsWritable() bool { return e.flags&FlagWritable != 0 }

// IsError reports an error condition (epoll: EPOLLERR). The error itself is
// read with the source's TakeError.
func (e Event) IsError() bool { return e.flags&FlagError != 0 }

// IsReadClosed reports that the read half is closed (epoll: EPOLLHUP, or
// EPOLLIN together with EPOLLRDHUP). Not every OS reports it; do not rely on
// it as the only signal of end of stream: a read returning io.EOF is.
func (e Event) IsReadClosed() bool { return e.flags&FlagReadClosed != 0 }

// IsWriteClosed reports that the write half is closed (epoll: EPOLLHUP, or
// EPOLLOUT together with EPOLLERR, or EPOLLERR alone).
func (e Event) IsWriteClosed() bool { return e.flags&FlagWriteClosed != 0 }

// IsPriority reports priority readiness (epoll: EPOLLPRI).
func (e Event) IsPriority() bool { return e.flags&FlagPriority != 0 }

// IsAIO reports an AIO completion (kqueue only).
func (e Event) IsAIO() bool { return e.flags&FlagAIO != 0 }

// IsLIO reports a lio_listio completion (FreeBSD kqueue only).
func (e Event) IsLIO() bool { return e.flags&FlagLIO != 0 }

// String formats the event for logs, for example
// "Event{token: 7, READABLE | READ_CLOSED, raw: 0x2001}".
func (e Event) String() string {
	names := [...]string{"READABLE", "WRITABLE", "ERROR", "READ_CLOSED", "WRITE_CLOSED", "PRIORITY", "AIO", "LIO"}
	var b strings.Builder
	b.WriteString("Event{token: ")
	b.WriteString(strconv.FormatUint(uint64(e.token), 10))
	b.WriteString(", ")
	n := 0
	for bit, name := range names {
		if e.flags&(1<<bit) == 0 {
			continue
		}
		if n > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(name)
		n++
	}
	if n == 0 {
		b.WriteString("(none)")
	}
	b.WriteString(", raw: 0x")
	b.WriteString(strconv.FormatUint(uint64(e.raw), 16))
	b.WriteString("}")
	return b.String()
}
