//go:build !mio_poll

package selector

import (
	"unsafe"

	"github.com/gomio/mio/internal/kevent"
	"golang.org/x/sys/unix"
)

// The layout of kevent_t and the filters, as x/sys defines them for dragonfly.
var keventLayout = kevent.NewLayout(kevent.Fields{Stride: unsafe.Sizeof(kev), IdentSize: unsafe.Sizeof(kev.Ident),
	Filter: unsafe.Offsetof(kev.Filter), FilterSize: unsafe.Sizeof(kev.Filter), Flags: unsafe.Offsetof(kev.Flags),
	FlagsSize: unsafe.Sizeof(kev.Flags), FFlags: unsafe.Offsetof(kev.Fflags),
	Udata: unsafe.Offsetof(kev.Udata), UdataSize: unsafe.Sizeof(kev.Udata)},
	kevent.Filters{Read: unix.EVFILT_READ, Write: unix.EVFILT_WRITE, AIO: unix.EVFILT_AIO, User: unix.EVFILT_USER, HasAIO: true, HasUserReadable: true})

var kev unix.Kevent_t

// The Waker is EVFILT_USER with NOTE_TRIGGER.
const (
	hasUserFilter = true
	userFilter    = unix.EVFILT_USER
	noteTrigger   = unix.NOTE_TRIGGER
	hasAIO        = true
	hasLIO        = false
)
