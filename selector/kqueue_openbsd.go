package selector

import (
	"unsafe"

	"github.com/gomio/mio/internal/kevent"
	"golang.org/x/sys/unix"
)

// The layout of kevent_t and the filters, as x/sys defines them for openbsd.
var keventLayout = kevent.NewLayout(unsafe.Sizeof(kev), unsafe.Offsetof(kev.Flags), unsafe.Offsetof(kev.Fflags),
	kevent.Filters{Read: unix.EVFILT_READ, Write: unix.EVFILT_WRITE})

var kev unix.Kevent_t

// The generated decoder reads filter at offset 8 as 16 bits.
const _ = unsafe.Offsetof(kev.Filter) - 8 + (8 - unsafe.Offsetof(kev.Filter))

// The Waker is a pipe (no EVFILT_USER here).
const (
	hasUserFilter = false
	userFilter    = 0
	noteTrigger   = 0
	hasAIO        = false
	hasLIO        = false
)
