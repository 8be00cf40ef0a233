package kevent

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/gomio/mio/events"
)

var layouts = map[string]struct {
	l *Layout
	f Filters
}{
	"darwin":    {Darwin, Filters{Read: -1, Write: -2, AIO: -3, User: -10, HasAIO: true, HasUserReadable: true}},
	"freebsd":   {FreeBSD, Filters{Read: -1, Write: -2, AIO: -3, LIO: -10, User: -11, HasAIO: true, HasLIO: true, HasUserReadable: true}},
	"dragonfly": {DragonFly, Filters{Read: -1, Write: -2, AIO: -3, User: -9, HasAIO: true, HasUserReadable: true}},
	"openbsd":   {OpenBSD, Filters{Read: -1, Write: -2}},
	"netbsd":    {NetBSD, Filters{Read: 0, Write: 1}},
}

// The generated decoder reads Layout by offset (asm/internal/spec).
func TestLayoutOffsets(t *testing.T) {
	var l Layout
	got := []uintptr{unsafe.Offsetof(l.Stride), unsafe.Offsetof(l.FlagsOff), unsafe.Offsetof(l.FFlagsOff), unsafe.Offsetof(l.Table)}
	want := []uintptr{0, 8, 16, 24}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("field %d at offset %d, the decoder reads it at %d", i, got[i], want[i])
		}
	}
}

// record writes one kevent_t in layout l.
func record(l *Layout, ident uint64, filter int16, flags uint16, fflags uint32) []byte {
	b := make([]byte, l.Stride)
	binary.LittleEndian.PutUint64(b, ident)
	binary.LittleEndian.PutUint16(b[8:], uint16(filter))
	if l.FlagsOff == 12 { // NetBSD: 32-bit filter and flags
		if filter < 0 {
			binary.LittleEndian.PutUint16(b[10:], 0xffff)
		}
	}
	binary.LittleEndian.PutUint16(b[l.FlagsOff:], flags)
	binary.LittleEndian.PutUint32(b[l.FFlagsOff:], fflags)
	return b
}

// Every filter of every OS, with every combination of the bits mio reads,
// decodes to what mio's predicates say.
func TestDecodeMatchesMio(t *testing.T) {
	for name, c := range layouts {
		f := c.f
		filters := []int16{f.Read, f.Write, f.AIO, f.LIO, f.User} // all we register
		for _, filter := range filters {
			for _, flags := range []uint16{0, EVEOF, EVError, EVEOF | EVError, 0x21, EVEOF | 0x1} {
				for _, fflags := range []uint32{0, 1, 54, 1 << 31} {
					rec := record(c.l, 77, filter, flags, fflags)
					for _, impl := range impls {
						var ev [1]events.Event
						impl.fn(&ev[0], &rec[0], 1, c.l)
						want := Flags(f, filter, flags, fflags)
						if ev[0].Token() != 77 || ev[0].Flags() != want {
							t.Fatalf("%s/%s: filter %d flags %#x fflags %d: got %v, want flags %#x", name, impl.name, filter, flags, fflags, ev[0], want)
						}
						if raw := uint32(uint16(filter)) | uint32(flags)<<16; ev[0].Raw() != raw {
							t.Fatalf("%s/%s: raw %#x, want %#x", name, impl.name, ev[0].Raw(), raw)
						}
					}
				}
			}
		}
	}
}

var impls = []struct {
	name string
	fn   func(*events.Event, *byte, int, *Layout)
}{{"decode", decode}, {"generic", decodeGeneric}}

// The generated decoder and its Go twin agree on arbitrary bytes.
func TestDecodeDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, c := range layouts {
		for n := 1; n <= 67; n++ {
			src := make([]byte, n*int(c.l.Stride))
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			compare(t, name, src, c.l)
		}
	}
}

func compare(t *testing.T, name string, src []byte, l *Layout) {
	t.Helper()
	n := len(src) / int(l.Stride)
	a := make([]events.Event, n+1)
	b := make([]events.Event, n+1)
	sentinel := events.MakeEvent(0xdead, 0xff, 0xbeef)
	a[n], b[n] = sentinel, sentinel
	if got := Decode(a[:n], src, l); got != n {
		t.Fatalf("%s: Decode wrote %d, want %d", name, got, n)
	}
	if n > 0 {
		decodeGeneric(&b[0], &src[0], n, l)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s: event %d of %d: generated %v, twin %v", name, i, n, a[i], b[i])
		}
	}
}

func TestDecodeBounds(t *testing.T) {
	src := make([]byte, 3*int(Darwin.Stride)+5)
	if n := Decode(make([]events.Event, 2), src, Darwin); n != 2 {
		t.Fatalf("short dst: wrote %d, want 2", n)
	}
	if n := Decode(make([]events.Event, 8), src, Darwin); n != 3 {
		t.Fatalf("short src: wrote %d, want 3", n)
	}
	if n := Decode(nil, src, Darwin); n != 0 {
		t.Fatalf("nil dst: wrote %d", n)
	}
	if n := Decode(make([]events.Event, 1), nil, Darwin); n != 0 {
		t.Fatalf("nil src: wrote %d", n)
	}
}

func FuzzDecodeKevent(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(record(Darwin, 5, -1, EVEOF, 54), uint8(0))
	f.Add(record(FreeBSD, 9, -2, EVError, 0), uint8(1))
	f.Add(record(NetBSD, 3, 0, EVEOF, 1), uint8(4))
	names := []string{"darwin", "freebsd", "dragonfly", "openbsd", "netbsd"}
	f.Fuzz(func(t *testing.T, src []byte, which uint8) {
		name := names[int(which)%len(names)]
		compare(t, name, src, layouts[name].l)
	})
}
