package iocp

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/gomio/mio/events"
)

func TestEntryLayout(t *testing.T) {
	// OVERLAPPED_ENTRY: three pointer-sized fields, then a DWORD.
	var e Entry
	p := unsafe.Sizeof(uintptr(0))
	if unsafe.Sizeof(e) != 4*p || unsafe.Offsetof(e.Overlapped) != p || unsafe.Offsetof(e.Bytes) != 3*p {
		t.Fatalf("Entry is %d bytes, Overlapped at %d, Bytes at %d; OVERLAPPED_ENTRY is %d, %d, %d",
			unsafe.Sizeof(e), unsafe.Offsetof(e.Overlapped), unsafe.Offsetof(e.Bytes), 4*p, p, 3*p)
	}
}

// mio's predicates on AFD bits (sys/windows/event.rs), one by one.
func TestFlagsMatchMio(t *testing.T) {
	for afd := uint32(0); afd < 0x200; afd++ {
		f := Flags(afd)
		check := func(name string, got bool, want bool) {
			if got != want {
				t.Fatalf("afd %#x: %s = %v, want %v", afd, name, got, want)
			}
		}
		check("readable", f&events.FlagReadable != 0, afd&(AFDReceive|AFDDisconnect|AFDAccept|AFDAbort|AFDConnectFail) != 0)
		check("writable", f&events.FlagWritable != 0, afd&(AFDSend|AFDAbort|AFDConnectFail) != 0)
		check("error", f&events.FlagError != 0, afd&AFDConnectFail != 0)
		check("read closed", f&events.FlagReadClosed != 0, afd&(AFDDisconnect|AFDAbort|AFDConnectFail) != 0)
		check("write closed", f&events.FlagWriteClosed != 0, afd&(AFDAbort|AFDConnectFail) != 0)
		check("priority", f&events.FlagPriority != 0, afd&AFDReceiveExpedited != 0)
	}
}

func TestInterestBits(t *testing.T) {
	if b := InterestBits(events.Readable); b&AFDSend != 0 || b&AFDReceive == 0 || b&AFDAccept == 0 {
		t.Fatalf("readable asks for %#x", b)
	}
	if b := InterestBits(events.Writable); b&AFDReceive != 0 || b&AFDSend == 0 || b&AFDConnectFail == 0 {
		t.Fatalf("writable asks for %#x", b)
	}
}

// model resolves completions from a table, as the selector does with its
// polls in flight: an unknown address resolves to nothing.
type model struct {
	polls map[uintptr]uint32 // address → AFD bits it completes with
}

func (m *model) Posted(key uintptr) (events.Token, uint32, bool) {
	return events.Token(key), AFDReceive, true
}

func (m *model) Completed(e *Entry) (events.Token, uint32, bool) {
	bits, ok := m.polls[e.Overlapped]
	if !ok || bits == 0 {
		return 0, 0, false
	}
	return events.Token(e.Overlapped >> 4), bits, true
}

// event is what a resolved completion must decode to: mio's mapping of
// its bits, written out predicate by predicate in Flags.
func event(t events.Token, bits uint32, ok bool) (events.Event, bool) {
	return events.MakeEvent(t, Flags(bits), bits), ok
}

func entries(b []byte) []Entry {
	out := make([]Entry, len(b)/32)
	for i := range out {
		r := b[32*i:]
		out[i] = Entry{Key: uintptr(binary.LittleEndian.Uint64(r)), Overlapped: uintptr(binary.LittleEndian.Uint64(r[8:])),
			Internal: uintptr(binary.LittleEndian.Uint64(r[16:])), Bytes: binary.LittleEndian.Uint32(r[24:])}
	}
	return out
}

// checkDecode compares Decode with a direct reading of the model.
func checkDecode(t *testing.T, src []Entry, room int, m *model) {
	t.Helper()
	dst := make([]events.Event, room+1)
	sentinel := events.MakeEvent(0xdead, 0xff, 0xbeef)
	dst[room] = sentinel
	n := Decode(dst[:room], src, m)
	var want []events.Event
	for i := range src {
		if len(want) == room {
			break
		}
		if src[i].Overlapped == 0 {
			ev, _ := event(m.Posted(src[i].Key))
			want = append(want, ev)
		} else if ev, ok := event(m.Completed(&src[i])); ok {
			want = append(want, ev)
		}
	}
	if n != len(want) || dst[room] != sentinel {
		t.Fatalf("decoded %d (slot past the room %v), want %d", n, dst[room], len(want))
	}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("event %d: %v, want %v", i, dst[i], want[i])
		}
	}
}

func TestDecode(t *testing.T) {
	m := &model{polls: map[uintptr]uint32{0x1000: AFDReceive, 0x2000: AFDSend | AFDDisconnect, 0x3000: 0}}
	src := []Entry{{Key: 7}, {Overlapped: 0x1000}, {Overlapped: 0x3000}, {Overlapped: 0x9999}, {Overlapped: 0x2000}, {Key: ^uintptr(0)}}
	for room := 0; room <= len(src)+1; room++ {
		checkDecode(t, src, room, m)
	}
}

func FuzzDecodeOverlappedEntries(f *testing.F) {
	f.Add([]byte{}, uint8(4), uint32(AFDReceive))
	f.Add(make([]byte, 64), uint8(1), uint32(0))
	seed := make([]byte, 96)
	binary.LittleEndian.PutUint64(seed[8:], 0x1000)
	binary.LittleEndian.PutUint64(seed[32:], 42)
	binary.LittleEndian.PutUint64(seed[72:], 0x2000)
	f.Add(seed, uint8(2), uint32(AFDAbort|AFDSend))
	f.Fuzz(func(t *testing.T, b []byte, room uint8, bits uint32) {
		src := entries(b)
		m := &model{polls: map[uintptr]uint32{}}
		// Every other completion is a poll in flight; the rest are unknown.
		for i := range src {
			if i%2 == 0 {
				m.polls[src[i].Overlapped] = bits >> (i % 9)
			}
		}
		checkDecode(t, src, int(room%16), m)
	})
}

// The generated decoder and its Go twin agree on every raw value, whatever
// flags the events held before.
func TestDecodeFlagsDifferential(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 64, 513} {
		a := make([]events.Event, n+1)
		b := make([]events.Event, n+1)
		for i := range n {
			raw := uint32(i)*2654435761 ^ uint32(i)<<20
			a[i] = events.MakeEvent(events.Token(i)<<33|7, events.Flags(i), raw)
			b[i] = a[i]
		}
		sentinel := events.MakeEvent(0xdead, 0xff, 0xbeef)
		a[n], b[n] = sentinel, sentinel
		decodeFlags(&a[0], n, &flagTable)
		decodeFlagsGeneric(&b[0], n, &flagTable)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("n=%d event %d: generated %v, twin %v", n, i, a[i], b[i])
			}
			if i < n && a[i].Flags() != Flags(a[i].Raw()&FlagIndexMask) {
				t.Fatalf("event %d: flags %v for raw %#x", i, a[i].Flags(), a[i].Raw())
			}
		}
	}
	for k := uint32(0); k <= FlagIndexMask; k++ {
		if flagTable[k] != uint8(Flags(k)) {
			t.Fatalf("table[%#x] = %#x, want %#x", k, flagTable[k], Flags(k))
		}
	}
}

// BenchmarkDecodeFlags sets the flags of 1024 events from their AFD bits:
// impl=asm is the generated pass (the twin itself under purego), impl=go the
// twin. The selector's resolve pass before it is not included.
func BenchmarkDecodeFlags(b *testing.B) {
	const n = 1024
	r := rand.New(rand.NewPCG(7, 8))
	evs := make([]events.Event, n)
	for i := range evs {
		evs[i] = events.MakeEvent(events.Token(i), 0, r.Uint32())
	}
	for _, im := range []struct {
		name string
		fn   func(*events.Event, int, *[FlagIndexMask + 1]uint8)
	}{{"asm", decodeFlags}, {"go", decodeFlagsGeneric}} {
		b.Run("impl="+im.name+"/events=1024", func(b *testing.B) {
			for b.Loop() {
				im.fn(&evs[0], n, &flagTable)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/event")
		})
	}
}
