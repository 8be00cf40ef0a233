//go:build !mio_poll

package selector

import (
	"unsafe"

	"github.com/gomio/mio/internal/kevent"
	"golang.org/x/sys/unix"
)

// The layout of kevent_t and the filters, as x/sys defines them for netbsd.
var keventLayout = kevent.NewLayout(kevent.Fields{Stride: unsafe.Sizeof(kev), IdentSize: unsafe.Sizeof(kev.Ident),
	Filter: unsafe.Offsetof(kev.Filter), FilterSize: unsafe.Sizeof(kev.Filter), Flags: unsafe.Offsetof(kev.Flags),
	FlagsSize: unsafe.Sizeof(kev.Flags), FFlags: unsafe.Offsetof(kev.Fflags),
	Udata: unsafe.Offsetof(kev.Udata), UdataSize: unsafe.Sizeof(kev.Udata)},
	kevent.Filters{Read: unix.EVFILT_READ, Write: unix.EVFILT_WRITE})

var kev unix.Kevent_t

// The Waker is a pipe (no EVFILT_USER here).
const (
	hasUserFilter = false
	userFilter    = 0
	noteTrigger   = 0
	hasAIO        = false
	hasLIO        = false
)
