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

// The decoders read Record and Entry at these offsets on 64-bit Windows
// (asm/internal/spec.AFDLayout); the kernel writes IO_STATUS_BLOCK and
// AFD_POLL_INFO at the same places.
func TestRecordLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the generated decoders are 64-bit")
	}
	var r Record
	got := []uintptr{unsafe.Offsetof(r.Status), unsafe.Offsetof(r.Info) + unsafe.Offsetof(r.Info.NumberOfHandles),
		unsafe.Offsetof(r.Info) + unsafe.Offsetof(r.Info.Events), unsafe.Offsetof(r.Token),
		unsafe.Offsetof(r.Want), unsafe.Offsetof(r.Polling), unsafe.Sizeof(r), unsafe.Offsetof(r.Info)}
	want := []uintptr{0, 24, 40, 48, 60, 62, 64, 16}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Record offsets %v, the decoders read %v", got, want)
		}
	}
	if PollIdle != 0 || PollDecoded != 1 || AFDLocalClose != 1<<5 {
		t.Fatal("the decoders' constants drifted")
	}
}

// batch is a wait's completions over records in Go memory, built from
// fuzz bytes: 8 bytes an entry, 12 a record.
type batch struct {
	recs []Record
	src  []Entry
}

const (
	statusCancelled = 0xc0000120
	testWakerKey    = 1
	testOpKey       = 2
)

func newBatch(b []byte, nrecs int) *batch {
	bt := &batch{recs: make([]Record, nrecs)}
	for i := range bt.recs {
		var r [12]byte
		copy(r[:], b[min(len(b), 12*i):])
		st := [...]uint32{0, 0, 0, statusCancelled, 0xc000020d}[r[0]%5]
		bt.recs[i] = Record{Status: st, Token: events.Token(binary.LittleEndian.Uint32(r[4:])) | 1<<40,
			Info:    PollInfo{NumberOfHandles: uint32(r[1]%4/3 ^ 1), Events: uint32(binary.LittleEndian.Uint16(r[2:])) & 0x3ff},
			Want:    binary.LittleEndian.Uint16(r[8:]) & 0x1ff,
			Polling: uint16(r[10] % 3), Slot: uint32(i)}
	}
	for k := 12 * nrecs; k+8 <= len(b); k += 8 {
		e := b[k:]
		switch e[0] % 4 {
		case 0, 1: // the common case
			bt.src = append(bt.src, Entry{Overlapped: uintptr(unsafe.Pointer(&bt.recs[int(e[1])%nrecs]))})
		case 2:
			bt.src = append(bt.src, Entry{Key: testWakerKey})
		case 3:
			bt.src = append(bt.src, Entry{Key: testOpKey, Overlapped: 0x1000 + uintptr(e[1]), Bytes: binary.LittleEndian.Uint32(e[4:])})
		}
	}
	return bt
}

func (bt *batch) clone() *batch {
	c := &batch{recs: append([]Record(nil), bt.recs...), src: append([]Entry(nil), bt.src...)}
	for i := range c.src {
		if c.src[i].Key == 0 && c.src[i].Overlapped != 0 {
			j := (c.src[i].Overlapped - uintptr(unsafe.Pointer(&bt.recs[0]))) / unsafe.Sizeof(Record{})
			c.src[i].Overlapped = uintptr(unsafe.Pointer(&c.recs[j]))
		}
	}
	return c
}

// model resolves what the decoder leaves as the selector does: a poll's
// completion reports its bits unless it failed; a waker's post is
// readable; an operation reports its byte count's low bits.
type model struct{}

func (m *model) Posted(key uintptr) (events.Token, uint32, bool) {
	return events.Token(key), AFDReceive, key == testWakerKey
}

func (m *model) Completed(e *Entry) (events.Token, uint32, bool) {
	if e.Key != 0 {
		return events.Token(e.Overlapped), e.Bytes & 0x3ff, e.Bytes&0x3ff != 0
	}
	r := *(**Record)(unsafe.Pointer(&e.Overlapped))
	r.Polling = PollIdle
	if r.Status != 0 {
		return 0, 0, false
	}
	return r.Token, r.Info.Events, r.Info.Events != 0
}

// expect states Decode's contract directly: first the events of the AFD
// completions it finishes, in order, then what the model makes of the rest;
// and the slots of the finished ones that still wait for bits.
func expect(bt *batch, room int) ([]events.Event, []uint32) {
	src := bt.src[:min(len(bt.src), room)]
	var evs []events.Event
	var repoll []uint32
	var rest []Entry
	for _, e := range src {
		r := *(**Record)(unsafe.Pointer(&e.Overlapped))
		if e.Key != 0 || r == nil || r.Polling != PollDecoded || r.Status != 0 || r.Info.NumberOfHandles == 0 || r.Info.Events&AFDLocalClose != 0 {
			rest = append(rest, e)
			continue
		}
		afd := r.Info.Events & uint32(r.Want)
		r.Want &^= uint16(afd)
		r.Polling = PollIdle
		if afd != 0 {
			evs = append(evs, events.MakeEvent(r.Token, Flags(afd), afd))
		}
		if r.Want != 0 {
			repoll = append(repoll, r.Slot)
		}
	}
	m := &model{}
	for i := range rest {
		e := &rest[i]
		var tok events.Token
		var afd uint32
		var ok bool
		if e.Overlapped == 0 {
			tok, afd, ok = m.Posted(e.Key)
		} else {
			tok, afd, ok = m.Completed(e)
		}
		if ok {
			evs = append(evs, events.MakeEvent(tok, Flags(afd&FlagIndexMask), afd))
		}
	}
	return evs, repoll
}

// checkDecode compares Decode over bt with expect over a copy.
func checkDecode(t *testing.T, bt *batch, room int) {
	t.Helper()
	ref := bt.clone()
	want, wantRepoll := expect(ref, room)
	dst := make([]events.Event, room+1)
	sentinel := events.MakeEvent(0xdead, 0xff, 0xbeef)
	dst[room] = sentinel
	repoll := make([]uint32, room)
	n, repolls := Decode(dst[:room], bt.src, repoll, &model{})
	if n != len(want) || dst[room] != sentinel {
		t.Fatalf("decoded %d (slot past the room %v), want %d", n, dst[room], len(want))
	}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("event %d: %v, want %v", i, dst[i], want[i])
		}
	}
	for i := range bt.recs {
		if bt.recs[i] != ref.recs[i] {
			t.Fatalf("record %d: %+v, want %+v", i, bt.recs[i], ref.recs[i])
		}
	}
	if repolls != len(wantRepoll) {
		t.Fatalf("%d polls to poll again, want %d", repolls, len(wantRepoll))
	}
	for i := range wantRepoll {
		if repoll[i] != wantRepoll[i] {
			t.Fatalf("poll again %v, want %v", repoll[:repolls], wantRepoll)
		}
	}
}

func TestDecode(t *testing.T) {
	recs := []Record{
		{Token: 10, Info: PollInfo{NumberOfHandles: 1, Events: AFDReceive}, Want: ReadableBits, Polling: PollDecoded},
		{Token: 11, Info: PollInfo{NumberOfHandles: 1, Events: AFDSend}, Want: ReadableBits | WritableBits, Polling: PollDecoded},
		{Token: 12, Status: statusCancelled, Want: ReadableBits, Polling: PollSelector},
		{Token: 13, Info: PollInfo{NumberOfHandles: 1, Events: AFDLocalClose}, Want: ReadableBits, Polling: PollDecoded},
		{Token: 14, Info: PollInfo{NumberOfHandles: 1, Events: AFDSend}, Want: ReadableBits, Polling: PollDecoded},
	}
	for room := 0; room <= 8; room++ {
		bt := &batch{recs: append([]Record(nil), recs...)}
		bt.src = []Entry{{Key: testWakerKey}}
		for i := range bt.recs {
			bt.src = append(bt.src, Entry{Overlapped: uintptr(unsafe.Pointer(&bt.recs[i]))})
		}
		bt.src = append(bt.src, Entry{Key: testOpKey, Overlapped: 0x1000, Bytes: AFDSend})
		checkDecode(t, bt, room)
		if room == 8 {
			// Edge-triggered: what was reported leaves Want; the rest is
			// polled for again.
			if bt.recs[0].Want != ReadableBits&^AFDReceive || bt.recs[0].Polling != PollIdle || bt.recs[1].Want != ReadableBits {
				t.Fatalf("records after decoding: %+v", bt.recs[:2])
			}
		}
	}
}

func FuzzDecodeOverlappedEntries(f *testing.F) {
	f.Add([]byte{}, uint8(4))
	f.Add(make([]byte, 64), uint8(1))
	seed := make([]byte, 48+40)
	for i := range seed {
		seed[i] = byte(i * 37)
	}
	f.Add(seed, uint8(5))
	f.Fuzz(func(t *testing.T, b []byte, room uint8) {
		const nrecs = 4
		bt := newBatch(b, nrecs)
		gen, twin := bt.clone(), bt.clone()
		checkDecode(t, bt, int(room%16))
		checkTwins(t, gen, twin)
	})
}

// checkTwins runs the generated decoder over a and its Go twin over b, two
// copies of one batch, and compares what each wrote.
func checkTwins(t *testing.T, a, b *batch) {
	t.Helper()
	n := len(a.src)
	if n == 0 {
		return
	}
	da := make([]events.Event, n+1)
	db := make([]events.Event, n+1)
	sentinel := events.MakeEvent(0xdead, 0xff, 0xbeef)
	da[n], db[n] = sentinel, sentinel
	pa := make([]uint32, n+1)
	pb := make([]uint32, n+1)
	pa[n], pb[n] = 0xfeed, 0xfeed
	na, ra, qa := decodeAFD(&da[0], &a.src[0], n, &flagTable, &pa[0])
	nb, rb, qb := decodeAFDGeneric(&db[0], &b.src[0], n, &flagTable, &pb[0])
	if na != nb || ra != rb || qa != qb || da[n] != sentinel || db[n] != sentinel || pa[n] != 0xfeed {
		t.Fatalf("generated %d events, %d left, %d to poll again; twin %d, %d, %d", na, ra, qa, nb, rb, qb)
	}
	for i := range qa {
		if pa[i] != pb[i] {
			t.Fatalf("poll again: generated %v, twin %v", pa[:qa], pb[:qb])
		}
	}
	for i := range da {
		if da[i] != db[i] {
			t.Fatalf("event %d: generated %v, twin %v", i, da[i], db[i])
		}
	}
	for i := range a.recs {
		if a.recs[i] != b.recs[i] {
			t.Fatalf("record %d: generated %+v, twin %+v", i, a.recs[i], b.recs[i])
		}
	}
	for i := range ra {
		ea, eb := a.src[i], b.src[i]
		if ea.Key != eb.Key || ea.Bytes != eb.Bytes || ea.Internal != eb.Internal || (ea.Overlapped == 0) != (eb.Overlapped == 0) {
			t.Fatalf("left entry %d: generated %+v, twin %+v", i, ea, eb)
		}
	}
}

// The generated decoder and its Go twin agree, over batches of every size
// the vector-free loop could get wrong and every record state.
func TestDecodeAFDDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 7, 64, 513} {
		for range 20 {
			b := make([]byte, 12*16+8*n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			bt := newBatch(b, 16)
			checkTwins(t, bt.clone(), bt.clone())
		}
	}
	for k := uint32(0); k <= FlagIndexMask; k++ {
		if flagTable[k] != uint8(Flags(k)) {
			t.Fatalf("table[%#x] = %#x, want %#x", k, flagTable[k], Flags(k))
		}
	}
}

// BenchmarkDecodeAFD decodes 1024 completions of AFD polls straight from
// their records into events: impl=asm is the generated decoder (the twin
// itself under purego), impl=go the twin; mix=waker1in16 makes every 16th
// completion a waker's post, which the decoder leaves. Each round first
// puts the records (and entries) back as the kernel would leave them, which
// both impls pay alike.
func BenchmarkDecodeAFD(b *testing.B) {
	const n = 1024
	r := rand.New(rand.NewPCG(7, 8))
	recs := make([]Record, n)
	src := make([]Entry, n)
	for i := range recs {
		recs[i] = Record{Token: events.Token(i), Info: PollInfo{NumberOfHandles: 1, Events: r.Uint32() & (AFDReceive | AFDSend | AFDDisconnect)}}
		src[i] = Entry{Overlapped: uintptr(unsafe.Pointer(&recs[i]))}
	}
	mixed := append([]Entry(nil), src...)
	for i := 0; i < n; i += 16 {
		mixed[i] = Entry{Key: testWakerKey}
	}
	dst := make([]events.Event, n)
	work := make([]Entry, n)
	repoll := make([]uint32, n)
	for _, mix := range []struct {
		name string
		src  []Entry
	}{{"afd", src}, {"waker1in16", mixed}} {
		for _, im := range []struct {
			name string
			fn   func(*events.Event, *Entry, int, *[FlagIndexMask + 1]uint8, *uint32) (int, int, int)
		}{{"asm", decodeAFD}, {"go", decodeAFDGeneric}} {
			b.Run("impl="+im.name+"/mix="+mix.name+"/entries=1024", func(b *testing.B) {
				for b.Loop() {
					for i := range recs {
						recs[i].Want, recs[i].Polling = ReadableBits|WritableBits, PollDecoded
					}
					copy(work, mix.src)
					im.fn(&dst[0], &work[0], n, &flagTable, &repoll[0])
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/entry")
			})
		}
	}
}
