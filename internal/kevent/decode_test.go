package kevent

import (
	"encoding/binary"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/gomio/mio/events"
)

// Every kevent_t layout of x/sys's BSD and darwin targets, written out from
// its ztypes files (layout_bsd_test.go checks the one of the target it is
// built for against unix.Kevent_t). 64-bit ident targets share one layout
// per OS; 386 aligns 64-bit fields to 4, arm to 8.
var layouts = map[string]struct {
	fields Fields
	f      Filters
}{
	"darwin":        {Fields{Stride: 32, IdentSize: 8, Filter: 8, FilterSize: 2, Flags: 10, FlagsSize: 2, FFlags: 12, Udata: 24, UdataSize: 8}, DarwinFilters},
	"dragonfly":     {Fields{Stride: 32, IdentSize: 8, Filter: 8, FilterSize: 2, Flags: 10, FlagsSize: 2, FFlags: 12, Udata: 24, UdataSize: 8}, DragonFlyFilters},
	"freebsd/64":    {Fields{Stride: 64, IdentSize: 8, Filter: 8, FilterSize: 2, Flags: 10, FlagsSize: 2, FFlags: 12, Udata: 24, UdataSize: 8}, FreeBSDFilters},
	"freebsd/386":   {Fields{Stride: 56, IdentSize: 4, Filter: 4, FilterSize: 2, Flags: 6, FlagsSize: 2, FFlags: 8, Udata: 20, UdataSize: 4}, FreeBSDFilters},
	"freebsd/arm":   {Fields{Stride: 64, IdentSize: 4, Filter: 4, FilterSize: 2, Flags: 6, FlagsSize: 2, FFlags: 8, Udata: 24, UdataSize: 4}, FreeBSDFilters},
	"openbsd/64":    {Fields{Stride: 32, IdentSize: 8, Filter: 8, FilterSize: 2, Flags: 10, FlagsSize: 2, FFlags: 12, Udata: 24, UdataSize: 8}, OpenBSDFilters},
	"openbsd/ppc64": {Fields{Stride: 32, IdentSize: 8, Filter: 8, FilterSize: 2, Flags: 10, FlagsSize: 2, FFlags: 12, Udata: 24, UdataSize: 8, BigEndian: true}, OpenBSDFilters},
	"openbsd/386":   {Fields{Stride: 24, IdentSize: 4, Filter: 4, FilterSize: 2, Flags: 6, FlagsSize: 2, FFlags: 8, Udata: 20, UdataSize: 4}, OpenBSDFilters},
	"openbsd/arm":   {Fields{Stride: 32, IdentSize: 4, Filter: 4, FilterSize: 2, Flags: 6, FlagsSize: 2, FFlags: 8, Udata: 24, UdataSize: 4}, OpenBSDFilters},
	"netbsd/64":     {Fields{Stride: 40, IdentSize: 8, Filter: 8, FilterSize: 4, Flags: 12, FlagsSize: 4, FFlags: 16, Udata: 32, UdataSize: 8}, NetBSDFilters},
	"netbsd/386":    {Fields{Stride: 28, IdentSize: 4, Filter: 4, FilterSize: 4, Flags: 8, FlagsSize: 4, FFlags: 12, Udata: 24, UdataSize: 4}, NetBSDFilters},
	"netbsd/arm":    {Fields{Stride: 32, IdentSize: 4, Filter: 4, FilterSize: 4, Flags: 8, FlagsSize: 4, FFlags: 12, Udata: 24, UdataSize: 4}, NetBSDFilters},
}

// layoutOf builds the named layout in its own byte order; a name ending in
// "+udata" takes its tokens from udata (Layout.UdataTokens).
func layoutOf(name string) *Layout {
	base, udata := strings.CutSuffix(name, "+udata")
	c := layouts[base]
	l := newLayout(c.fields, c.f)
	if udata {
		l = l.UdataTokens()
	}
	return l
}

// layoutNames lists every layout twice: tokens from ident, and from udata.
func layoutNames() []string {
	var names []string
	for _, name := range slices.Sorted(maps.Keys(layouts)) {
		names = append(names, name, name+"+udata")
	}
	return names
}

// The generated decoder reads Layout by offset (asm/internal/spec).
func TestLayoutOffsets(t *testing.T) {
	if !generatedDecoder {
		t.Skip("no generated decoder in this build: the offsets are the twin's own business")
	}
	var l Layout
	got := []uintptr{unsafe.Offsetof(l.Stride), unsafe.Offsetof(l.FlagsOff), unsafe.Offsetof(l.FFlagsOff), unsafe.Offsetof(l.TokenOff), unsafe.Offsetof(l.Table)}
	want := []uintptr{0, 8, 16, 24, 32}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("field %d at offset %d, the decoder reads it at %d", i, got[i], want[i])
		}
	}
}

// record writes one kevent_t in layout l: each field at its width, in the
// layout's byte order, a negative filter sign-extended as the kernel's
// wider fields hold it.
func record(l *Layout, ident uint64, filter int16, flags uint16, fflags uint32) []byte {
	f := l.fields
	b := make([]byte, l.Stride)
	put(f, b, f.Udata, f.UdataSize, ident^udataMark) // what a token in udata would be
	put(f, b, 0, f.IdentSize, ident)
	put(f, b, f.Filter, f.FilterSize, uint64(int64(filter)))
	put(f, b, f.Flags, f.FlagsSize, uint64(flags))
	put(f, b, f.FFlags, 4, uint64(fflags))
	return b
}

// udataMark tells a record's udata from its ident in the tests.
const udataMark = 0x5a5a5a5a5a5a5a5a

// wantToken is the token l decodes from a record written with ident.
func wantToken(l *Layout, ident uint64) uint64 {
	if l.TokenOff == l.fields.Udata {
		ident ^= udataMark
	}
	if l.tokenSize == 4 {
		ident &= 0xffffffff
	}
	return ident
}

func put(f Fields, b []byte, off, size uintptr, v uint64) {
	var order binary.ByteOrder = binary.LittleEndian
	if f.BigEndian {
		order = binary.BigEndian
	}
	switch size {
	case 2:
		order.PutUint16(b[off:], uint16(v))
	case 4:
		order.PutUint32(b[off:], uint32(v))
	case 8:
		order.PutUint64(b[off:], v)
	}
}

// Every filter of every OS, with every combination of the bits mio reads,
// decodes to what mio's predicates say.
func TestDecodeMatchesMio(t *testing.T) {
	for _, name := range layoutNames() {
		l := layoutOf(name)
		f := layouts[strings.TrimSuffix(name, "+udata")].f
		filters := []int16{f.Read, f.Write, f.AIO, f.LIO, f.User} // all we register
		for _, filter := range filters {
			for _, flags := range []uint16{0, EVEOF, EVError, EVEOF | EVError, 0x21, EVEOF | 0x1} {
				for _, fflags := range []uint32{0, 1, 54, 1 << 31} {
					ident := uint64(0x0123456789abcdef)
					if l.fields.IdentSize == 4 {
						ident = 0x89abcdef
					}
					rec := record(l, ident, filter, flags, fflags)
					for _, impl := range implsFor(l) {
						var ev [1]events.Event
						impl.fn(&ev[0], &rec[0], 1, l)
						want := Flags(f, filter, flags, fflags)
						if uint64(ev[0].Token()) != wantToken(l, ident) || ev[0].Flags() != want {
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

type impl struct {
	name string
	fn   func(*events.Event, *byte, int, *Layout)
}

// implsFor lists the decoders of layout l: Decode's choice (the generated
// decoder where it reads l), and the twin.
func implsFor(l *Layout) []impl {
	decodeN := func(dst *events.Event, src *byte, n int, l *Layout) {
		Decode(unsafe.Slice(dst, n), unsafe.Slice(src, n*int(l.Stride)), l)
	}
	return []impl{{"Decode", decodeN}, {"generic", decodeGeneric}}
}

// The generated decoder serves exactly the 64-bit little-endian layouts.
func TestGeneratedLayouts(t *testing.T) {
	for _, name := range layoutNames() {
		l := layoutOf(name)
		want := generatedDecoder && l.tokenSize == 8 && l.fields.IdentSize == 8 && !l.fields.BigEndian && l.fields.Filter == 8
		if got := l.generated; got != want {
			t.Errorf("%s: generated decoder %v, want %v", name, got, want)
		}
	}
}

// The generated decoder and its Go twin agree on arbitrary bytes.
func TestDecodeDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range layoutNames() {
		l := layoutOf(name)
		for n := 1; n <= 67; n++ {
			src := make([]byte, n*int(l.Stride))
			for i := range src {
				src[i] = byte(r.Uint32())
			}
			compare(t, name, src, l)
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
	darwin := layoutOf("darwin")
	src := make([]byte, 3*int(darwin.Stride)+5)
	if n := Decode(make([]events.Event, 2), src, darwin); n != 2 {
		t.Fatalf("short dst: wrote %d, want 2", n)
	}
	if n := Decode(make([]events.Event, 8), src, darwin); n != 3 {
		t.Fatalf("short src: wrote %d, want 3", n)
	}
	if n := Decode(nil, src, darwin); n != 0 {
		t.Fatalf("nil dst: wrote %d", n)
	}
	if n := Decode(make([]events.Event, 1), nil, darwin); n != 0 {
		t.Fatalf("nil src: wrote %d", n)
	}
}

func FuzzDecodeKevent(f *testing.F) {
	names := layoutNames()
	index := func(name string) uint8 { return uint8(slices.Index(names, name)) }
	f.Add([]byte{}, uint8(0))
	f.Add(record(layoutOf("darwin"), 5, -1, EVEOF, 54), index("darwin"))
	f.Add(record(layoutOf("freebsd/64"), 9, -2, EVError, 0), index("freebsd/64"))
	f.Add(record(layoutOf("netbsd/64"), 3, 0, EVEOF, 1), index("netbsd/64"))
	f.Add(record(layoutOf("freebsd/386"), 7, -1, EVEOF, 0), index("freebsd/386"))
	f.Add(record(layoutOf("netbsd/arm"), 1<<31, 1, EVEOF|EVError, 2), index("netbsd/arm"))
	f.Add(record(layoutOf("openbsd/ppc64"), 1<<40|3, -2, EVEOF, 9), index("openbsd/ppc64"))
	f.Add(record(layoutOf("freebsd/64+udata"), 1<<40|3, -1, EVEOF, 9), index("freebsd/64+udata"))
	f.Add(record(layoutOf("netbsd/386+udata"), 12, 0, 0, 0), index("netbsd/386+udata"))
	f.Fuzz(func(t *testing.T, src []byte, which uint8) {
		name := names[int(which)%len(names)]
		compare(t, name, src, layoutOf(name))
	})
}

// BenchmarkDecode decodes 1024 records of the 64-bit FreeBSD layout with the
// tokens in udata, so that the events come out finished: impl=asm is the
// generated decoder (where this build has it), impl=go the twin.
func BenchmarkDecode(b *testing.B) {
	const n = 1024
	l := layoutOf("freebsd/64+udata")
	r := rand.New(rand.NewPCG(3, 4))
	var src []byte
	for i := range n {
		filter := []int16{-1, -2}[i%2]
		src = append(src, record(l, uint64(r.Uint32()), filter, uint16(r.Uint32())&(EVEOF|EVError), r.Uint32()&1)...)
	}
	dst := make([]events.Event, n)
	for _, im := range []impl{{"asm", decode}, {"go", decodeGeneric}} {
		if im.name == "asm" && !generatedDecoder {
			continue
		}
		b.Run("impl="+im.name+"/events=1024", func(b *testing.B) {
			for b.Loop() {
				im.fn(&dst[0], &src[0], n, l)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/event")
		})
	}
}
