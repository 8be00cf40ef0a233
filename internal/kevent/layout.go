// Package kevent decodes the records that kqueue's kevent(2) returns into a
// ring's events. It is a pure data transform, so it builds on every target
// and is tested (against its Go twin and against mio's predicates) on every
// target too, also where kqueue itself cannot run.
package kevent

import "github.com/gomio/mio/events"

// Layout describes kevent_t on one OS and how its records map to flags.
// The generated decoder reads it by offset: keep the fields in this order.
type Layout struct {
	Stride    uintptr // size of one kevent_t
	FlagsOff  uintptr // offset of flags (read as 16 bits)
	FFlagsOff uintptr // offset of fflags (read as 32 bits)
	// Table holds the flags for index (filter&15)<<2 | eof<<1 | err, where
	// eof is EV_EOF and err is EV_ERROR, or EV_EOF with a non-zero fflags.
	Table [64]uint8
}

// The flag bits every BSD and darwin share.
const (
	EVEOF   = 0x8000
	EVError = 0x4000
)

// Filters names an OS's filter numbers. A filter the OS lacks is 0 with its
// Has flag false; filters are distinct in their low four bits on every OS.
type Filters struct {
	Read, Write, AIO, LIO, User     int16
	HasAIO, HasLIO, HasUserReadable bool
}

// Where each OS puts the fields of kevent_t (ident is always at 0 and
// filter at 8) and what its filters are. FreeBSD's record carries ext[4];
// NetBSD's filter and flags are 32 bits wide.
var (
	Darwin = NewLayout(32, 10, 12, Filters{Read: -1, Write: -2, AIO: -3, User: -10,
		HasAIO: true, HasUserReadable: true})
	FreeBSD = NewLayout(64, 10, 12, Filters{Read: -1, Write: -2, AIO: -3, LIO: -10, User: -11,
		HasAIO: true, HasLIO: true, HasUserReadable: true})
	DragonFly = NewLayout(32, 10, 12, Filters{Read: -1, Write: -2, AIO: -3, User: -9,
		HasAIO: true, HasUserReadable: true})
	OpenBSD = NewLayout(32, 10, 12, Filters{Read: -1, Write: -2})
	NetBSD  = NewLayout(40, 12, 16, Filters{Read: 0, Write: 1})
)

// NewLayout builds the layout and flag table of one OS.
func NewLayout(stride, flagsOff, fflagsOff uintptr, f Filters) *Layout {
	l := &Layout{Stride: stride, FlagsOff: flagsOff, FFlagsOff: fflagsOff}
	for k := range l.Table {
		filter := int16(k >> 2)
		var flags uint16
		if k&2 != 0 {
			flags |= EVEOF
		}
		if k&1 != 0 {
			flags |= EVError
		}
		// Every filter with these low bits maps the same: find the OS's.
		for _, cand := range []int16{f.Read, f.Write, f.AIO, f.LIO, f.User} {
			if cand&15 == filter {
				l.Table[k] = uint8(Flags(f, cand, flags, 0))
				break
			}
		}
	}
	return l
}

// Flags is mio's kqueue mapping of one record, written out predicate by
// predicate: the reference the table and the decoders are tested against.
func Flags(f Filters, filter int16, flags uint16, fflags uint32) events.Flags {
	var out events.Flags
	eof := flags&EVEOF != 0
	if filter == f.Read || (f.HasUserReadable && filter == f.User) {
		out |= events.FlagReadable
	}
	if filter == f.Write {
		out |= events.FlagWritable
	}
	if flags&EVError != 0 || (eof && fflags != 0) {
		out |= events.FlagError
	}
	if filter == f.Read && eof {
		out |= events.FlagReadClosed
	}
	if filter == f.Write && eof {
		out |= events.FlagWriteClosed
	}
	if f.HasAIO && filter == f.AIO {
		out |= events.FlagAIO
	}
	if f.HasLIO && filter == f.LIO {
		out |= events.FlagLIO
	}
	return out
}
