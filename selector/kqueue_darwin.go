package selector

import (
	"unsafe"

	"github.com/gomio/mio/internal/kevent"
	"golang.org/x/sys/unix"
)

// The layout of kevent_t and the filters, as x/sys defines them for darwin.
var keventLayout = kevent.NewLayout(unsafe.Sizeof(kev), unsafe.Offsetof(kev.Flags), unsafe.Offsetof(kev.Fflags),
	kevent.Filters{Read: unix.EVFILT_READ, Write: unix.EVFILT_WRITE, AIO: unix.EVFILT_AIO, User: unix.EVFILT_USER, HasAIO: true, HasUserReadable: true})

var kev unix.Kevent_t

// The generated decoder reads filter at offset 8 as 16 bits.
const _ = unsafe.Offsetof(kev.Filter) - 8 + (8 - unsafe.Offsetof(kev.Filter))

// The Waker is EVFILT_USER with NOTE_TRIGGER.
const (
	hasUserFilter = true
	userFilter    = unix.EVFILT_USER
	noteTrigger   = unix.NOTE_TRIGGER
	hasAIO        = true
	hasLIO        = false
)
