// Package kevent decodes the records that kqueue's kevent(2) returns into a
// ring's events. It is a pure data transform, so it builds on every target
// and is tested (against its Go twin and against mio's predicates) on every
// target too, also where kqueue itself cannot run.
package kevent

import (
	"fmt"
	"unsafe"

	"github.com/gomio/mio/events"
)

// Layout describes kevent_t on one OS and architecture and how its records
// map to flags. The generated decoder reads its first four fields by offset
// (asm/internal/spec): keep them first and in this order.
type Layout struct {
	Stride    uintptr // size of one kevent_t
	FlagsOff  uintptr // offset of flags (its low 16 bits are read)
	FFlagsOff uintptr // offset of fflags (read as 32 bits)
	TokenOff  uintptr // offset of the word decoded as the token: ident, or udata
	// Table holds the flags for index (filter&15)<<2 | eof<<1 | err, where
	// eof is EV_EOF and err is EV_ERROR, or EV_EOF with a non-zero fflags.
	Table [64]uint8

	fields    Fields
	tokenSize uintptr // IdentSize or UdataSize
	generated bool    // the generated decoder can read this layout
}

// Fields says where kevent_t keeps what the decoder reads, as x/sys's
// unix.Kevent_t has it on the target: ident is at 0, 4 or 8 bytes wide
// (uintptr_t), and so is udata (a pointer; NetBSD's intptr_t); filter and
// flags are 16 bits wide everywhere but NetBSD, where they are 32; only their
// low 16 bits matter. BigEndian is the target's byte order (openbsd/ppc64 is
// big-endian).
type Fields struct {
	Stride             uintptr
	IdentSize          uintptr
	Filter, FilterSize uintptr
	Flags, FlagsSize   uintptr
	FFlags             uintptr
	Udata, UdataSize   uintptr
	BigEndian          bool
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

// The filters of each OS, as x/sys defines them.
var (
	DarwinFilters    = Filters{Read: -1, Write: -2, AIO: -3, User: -10, HasAIO: true, HasUserReadable: true}
	FreeBSDFilters   = Filters{Read: -1, Write: -2, AIO: -3, LIO: -10, User: -11, HasAIO: true, HasLIO: true, HasUserReadable: true}
	DragonFlyFilters = Filters{Read: -1, Write: -2, AIO: -3, User: -9, HasAIO: true, HasUserReadable: true}
	OpenBSDFilters   = Filters{Read: -1, Write: -2}
	NetBSDFilters    = Filters{Read: 0, Write: 1}
)

// hostBigEndian is this machine's byte order: the kernel writes its records
// in it.
var hostBigEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 0
}()

// NewLayout builds the layout and flag table of kevent_t as fields describes
// it, in this machine's byte order (fields.BigEndian is ignored). It panics on
// a layout the decoders cannot read: that is a build-time fact of a target.
func NewLayout(fields Fields, f Filters) *Layout {
	fields.BigEndian = hostBigEndian
	return newLayout(fields, f)
}

// newLayout is NewLayout in the byte order fields gives, for the tests.
func newLayout(fields Fields, f Filters) *Layout {
	if fields.IdentSize != 4 && fields.IdentSize != 8 || fields.FilterSize != 2 && fields.FilterSize != 4 ||
		fields.FlagsSize != 2 && fields.FlagsSize != 4 || fields.FFlags+4 > fields.Stride ||
		fields.UdataSize != 4 && fields.UdataSize != 8 || fields.Udata+fields.UdataSize > fields.Stride {
		panic(fmt.Sprintf("kevent: a kevent_t layout the decoder cannot read: %+v", fields))
	}
	l := &Layout{Stride: fields.Stride, FlagsOff: fields.Flags, FFlagsOff: fields.FFlags, fields: fields, tokenSize: fields.IdentSize}
	l.generated = generatedDecoder && !fields.BigEndian && fields.IdentSize == 8 && fields.Filter == 8
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

// UdataTokens returns l decoding each record's udata as its token, instead
// of its ident: a selector that registers each descriptor with its token in
// udata gets finished events from one pass, with no lookup after it. On the
// 64-bit layouts udata holds a whole token. On the 32-bit BSDs (386, arm)
// udata is 32 bits: a selector there stores an index into a table of its own
// and looks the token up after the decode, the one pass that remains.
//
// udata is a pointer field of unix.Kevent_t: a selector that puts tokens in
// it must keep its change and event lists in memory the garbage collector
// does not scan (a []byte or []uint64 viewed as kevent_t), and write udata
// as an integer, never through the *byte field, or the collector would see
// tokens as pointers.
func (l *Layout) UdataTokens() *Layout {
	u := *l
	u.TokenOff, u.tokenSize = l.fields.Udata, l.fields.UdataSize
	u.generated = l.generated && u.tokenSize == 8
	return &u
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
