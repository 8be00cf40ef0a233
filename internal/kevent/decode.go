package kevent

import (
	"encoding/binary"
	"unsafe"

	"github.com/gomio/mio/events"
)

// Decode decodes the kevent_t records in src, laid out as l says, into dst
// and returns how many it wrote: min(len(dst), len(src)/l.Stride). Each
// event's token is the record's ident (the descriptor), which the selector
// maps to the registration's token afterwards, or with l.UdataTokens() its
// udata, the token itself. Raw is filter | flags<<16,
// each truncated to 16 bits. The generated decoder reads the 64-bit
// little-endian layouts; the others (32-bit BSDs, openbsd/ppc64) go through
// the Go twin.
func Decode(dst []events.Event, src []byte, l *Layout) int {
	n := min(len(dst), len(src)/int(l.Stride))
	if n > 0 {
		if l.generated {
			decode(&dst[0], &src[0], n, l)
		} else {
			decodeGeneric(&dst[0], &src[0], n, l)
		}
	}
	return n
}

// decodeGeneric is the portable twin of the generated decode, for every
// layout.
func decodeGeneric(dst *events.Event, src *byte, n int, l *Layout) {
	out := unsafe.Slice(dst, n)
	f := &l.fields
	for i := range out {
		rec := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(src), uintptr(i)*l.Stride)), l.Stride)
		token := f.read(rec, l.TokenOff, l.tokenSize)
		filter := uint32(f.read(rec, f.Filter, f.FilterSize)) & 0xffff
		flags := uint32(f.read(rec, f.Flags, f.FlagsSize)) & 0xffff
		fflags := uint32(f.read(rec, f.FFlags, 4))
		eof := flags >> 15
		err := (flags >> 14 & 1) | eof&b2u(fflags != 0)
		k := (filter&15)<<2 | eof<<1 | err
		out[i] = events.MakeEvent(events.Token(token), events.Flags(l.Table[k]), filter|flags<<16)
	}
}

// read reads the size-byte unsigned field at off of rec in f's byte order.
func (f *Fields) read(rec []byte, off, size uintptr) uint64 {
	b := rec[off:]
	if f.BigEndian {
		switch size {
		case 2:
			return uint64(binary.BigEndian.Uint16(b))
		case 4:
			return uint64(binary.BigEndian.Uint32(b))
		}
		return binary.BigEndian.Uint64(b)
	}
	switch size {
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
