package kevent

import (
	"unsafe"

	"github.com/gomio/mio/events"
)

// Decode decodes the kevent_t records in src, laid out as l says, into dst
// and returns how many it wrote: min(len(dst), len(src)/l.Stride). Each
// event's token is the record's ident (the descriptor); the selector maps
// it to the registration's token afterwards. Raw is filter | flags<<16,
// each truncated to 16 bits.
func Decode(dst []events.Event, src []byte, l *Layout) int {
	n := min(len(dst), len(src)/int(l.Stride))
	if n > 0 {
		decode(&dst[0], &src[0], n, l)
	}
	return n
}

// decodeGeneric is the portable twin of the generated decode.
func decodeGeneric(dst *events.Event, src *byte, n int, l *Layout) {
	out := unsafe.Slice(dst, n)
	for i := range out {
		rec := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(src), uintptr(i)*l.Stride)), l.Stride)
		ident := le64(rec)
		filter := uint32(rec[8]) | uint32(rec[9])<<8
		flags := uint32(rec[l.FlagsOff]) | uint32(rec[l.FlagsOff+1])<<8
		fflags := le32(rec[l.FFlagsOff:])
		eof := flags >> 15
		err := (flags >> 14 & 1) | eof&b2u(fflags != 0)
		k := (filter&15)<<2 | eof<<1 | err
		out[i] = events.MakeEvent(events.Token(ident), events.Flags(l.Table[k]), filter|flags<<16)
	}
}

func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
