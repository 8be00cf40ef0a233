//go:build linux

package mio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The generated hot path against its portable twin, on arbitrary input. Under
// the purego tag both sides are the twin and the tests only check the twin's
// own invariants.

// decodeBoth decodes the records in raw with the assembly and with the twin,
// both out of place and in place (records at the tail of the slots, as the
// wait lays them out), and returns the four results.
func decodeBoth(raw []byte) (asm, twin, asmInPlace, twinInPlace []Event) {
	n := len(raw) / epollRecordSize
	raw = raw[:n*epollRecordSize]
	src := make([]byte, len(raw)+1) // never empty, so &src[0] is valid
	copy(src, raw)
	asm = make([]Event, n+1)
	twin = make([]Event, n+1)
	decodeEpoll(&asm[0], unsafe.Pointer(&src[0]), n)
	decodeEpollGeneric(&twin[0], unsafe.Pointer(&src[0]), n)

	inPlace := func(decode func(*Event, unsafe.Pointer, int)) []Event {
		slots := make([]Event, n+1)
		tail := epollTail(&slots[0], n)
		copy(unsafe.Slice((*byte)(tail), len(raw)), raw)
		decode(&slots[0], tail, n)
		return slots
	}
	return asm[:n], twin[:n], inPlace(decodeEpoll)[:n], inPlace(decodeEpollGeneric)[:n]
}

// decoderPath is one loop of the generated decoder that the tests force.
type decoderPath struct {
	name string
	use  func() (restore func())
}

// decoderPaths lists the generated decoder's loops on this build;
// hotpath_amd64_test.go adds the CPU-dependent ones. checkDecode runs every
// one of them.
var decoderPaths = []decoderPath{{"default", func() func() { return func() {} }}}

func checkDecode(t *testing.T, raw []byte) {
	t.Helper()
	for _, p := range decoderPaths {
		restore := p.use()
		checkDecodePath(t, p.name, raw)
		restore()
	}
	if !hotpathGenerated && len(decoderPaths) != 1 {
		t.Fatal("purego build with generated decoder paths")
	}
}

// checkDecodePath reads the records in the machine's byte order, as the
// kernel writes them, so that it holds on big-endian targets too.
func checkDecodePath(t *testing.T, path string, raw []byte) {
	t.Helper()
	asm, twin, asmIn, twinIn := decodeBoth(raw)
	for i := range twin {
		off := i * epollRecordSize
		bits := binary.NativeEndian.Uint32(raw[off:])
		token := binary.NativeEndian.Uint64(raw[off+epollDataOffset:])
		if uint64(twin[i].Token()) != token || twin[i].Raw() != bits {
			t.Fatalf("twin record %d: %v, want token %d raw %#x", i, twin[i], token, bits)
		}
		if asm[i] != twin[i] || asmIn[i] != twin[i] || twinIn[i] != twin[i] {
			t.Fatalf("%s: record %d of %d (%x): asm %v, in place %v / %v, twin %v", path, i, len(twin), raw[off:off+epollRecordSize], asm[i], asmIn[i], twinIn[i], twin[i])
		}
	}
}

func TestDecodeEpollMatchesTwin(t *testing.T) {
	if !hotpathGenerated {
		t.Log("purego build: the assembly is not compiled in; checking the twin alone")
	}
	// Every combination of the bits that matter, with tokens at the edges.
	var raw []byte
	tokens := []uint64{0, 1, 1 << 63, ^uint64(0), 0x0123456789abcdef}
	for k := range 64 {
		bits := uint32(k&0x1f) | uint32(k&0x20)<<8
		for _, extra := range []uint32{0, 0x40 | 0x80000000, ^uint32(0)} {
			rec := make([]byte, epollRecordSize)
			binary.NativeEndian.PutUint32(rec, bits|extra)
			binary.NativeEndian.PutUint64(rec[epollDataOffset:], tokens[k%len(tokens)])
			raw = append(raw, rec...)
		}
	}
	checkDecode(t, raw)
	// Every combination at every place in a pair of the vector loop's
	// blocks: record i holds combination i%65, and 65 is prime to 16.
	raw = nil
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 65 * 16 {
		k := i % 65 % 64
		rec := make([]byte, epollRecordSize)
		binary.NativeEndian.PutUint32(rec, uint32(k&0x1f)|uint32(k&0x20)<<8|r.Uint32()&^0x201f)
		binary.NativeEndian.PutUint64(rec[epollDataOffset:], r.Uint64())
		raw = append(raw, rec...)
	}
	checkDecode(t, raw)
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 1023, 1024} {
		buf := make([]byte, n*epollRecordSize)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		checkDecode(t, buf)
	}
}

func FuzzDecodeEpoll(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 3*epollRecordSize))
	f.Add([]byte{0x19, 0x20, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	// Seventeen records: two blocks of the AVX2 loop and a scalar tail;
	// forty-three: its first block, a pair, one block more and a tail.
	for _, n := range []int{17, 43} {
		seq := make([]byte, n*epollRecordSize)
		for i := range seq {
			seq[i] = byte(i * 37)
		}
		f.Add(seq)
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkDecode(t, raw) })
}

// The decoder in place, as a wait leaves the records, at the tightest
// layout (the slots of exactly n records, the records at their tail) for
// every count to 64 and some beyond, on every loop: each record must be
// read before a slot's store reaches it. The slots end at a page that
// cannot be read, and apart from the slots the records begin just after one
// and end just before one, so a loop that reads a byte before or past the
// records faults; the fault is a test failure, not a crash.
func TestDecodeInPlaceEveryCount(t *testing.T) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	counts := []int{}
	for n := 0; n <= 64; n++ {
		counts = append(counts, n)
	}
	counts = append(counts, 127, 128, 129, 1000, 1023, 1024, 1025, 4099)
	r := rand.New(rand.NewPCG(3, 4))
	for _, p := range decoderPaths {
		restore := p.use()
		for _, n := range counts {
			raw := make([]byte, n*epollRecordSize)
			for i := range raw {
				raw[i] = byte(r.Uint32())
			}
			want := make([]Event, n)
			decodeEpollGeneric(unsafe.SliceData(want), unsafe.Pointer(unsafe.SliceData(raw)), n)

			// With no records, both pointers are at an unreadable page.
			slots := unsafe.Slice((*Event)(unsafe.Pointer(unsafe.SliceData(guarded(t, n*eventSize, true)))), n)
			tail := epollTail(unsafe.SliceData(slots), n)
			copy(unsafe.Slice((*byte)(tail), len(raw)), raw)
			decodeGuarded(t, p.name, "in place", unsafe.SliceData(slots), tail, n)
			for _, atEnd := range []bool{false, true} {
				apart := make([]Event, n)
				src := guarded(t, len(raw), atEnd)
				copy(src, raw)
				decodeGuarded(t, p.name, "apart", unsafe.SliceData(apart), unsafe.Pointer(unsafe.SliceData(src)), n)
				if i := firstDifference(apart, want); i >= 0 {
					t.Fatalf("%s, %d records apart: event %d is %v, want %v", p.name, n, i, apart[i], want[i])
				}
			}
			if i := firstDifference(slots, want); i >= 0 {
				t.Fatalf("%s, %d records in place: event %d is %v, want %v", p.name, n, i, slots[i], want[i])
			}
		}
		restore()
	}
}

func firstDifference(got, want []Event) int {
	for i := range want {
		if got[i] != want[i] {
			return i
		}
	}
	return -1
}

// decodeGuarded runs decodeEpoll, failing the test if it faults.
func decodeGuarded(t *testing.T, path, layout string, dst *Event, src unsafe.Pointer, n int) {
	t.Helper()
	defer func() {
		if e := recover(); e != nil {
			t.Fatalf("%s, %d records %s: the decoder read outside the records: %v", path, n, layout, e)
		}
	}()
	decodeEpoll(dst, src, n)
}

// guarded returns size bytes of fresh memory between two pages that cannot
// be read, ending at the second one if atEnd and beginning just after the
// first one otherwise; with size 0, its data pointer is at the second.
func guarded(t *testing.T, size int, atEnd bool) []byte {
	page := os.Getpagesize()
	span := (size + page - 1) / page * page
	mem, err := unix.Mmap(-1, 0, span+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	for _, guard := range [][]byte{mem[:page], mem[page+span:]} {
		if err := unix.Mprotect(guard, unix.PROT_NONE); err != nil {
			t.Fatal(err)
		}
	}
	if atEnd {
		return mem[page+span-size : page+span]
	}
	return mem[page : page+size]
}

// A level-triggered epoll reports the same state on every wait, so the
// generated wait and the twin can be compared on real kernel records.
func TestEpollWaitDecodeMatchesTwin(t *testing.T) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(epfd)
	add := func(fd int, bits uint32, token uint64) {
		ev := unix.EpollEvent{Events: bits}
		*(*uint64)(unsafe.Pointer(&ev.Fd)) = token
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			t.Fatal(err)
		}
	}
	var fds []int
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	pair := func() (int, int) {
		p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, p[0], p[1])
		return p[0], p[1]
	}
	all := uint32(unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLPRI)
	a, b := pair() // readable and writable
	unix.Write(b, []byte("x"))
	add(a, all, 1)
	c, d := pair() // peer shut down writing: read-closed
	unix.Shutdown(d, unix.SHUT_WR)
	add(c, all, ^uint64(0))
	e, f := pair() // peer closed: hang-up
	unix.Close(f)
	fds = fds[:len(fds)-1]
	add(e, all, 0)
	g, _ := pair() // writable only
	add(g, unix.EPOLLOUT, 1<<40)
	// More writable sockets, so that a wait fills the vector loops' blocks.
	const extra = 12
	for i := range extra {
		s, _ := pair()
		add(s, unix.EPOLLOUT|unix.EPOLLIN, 1<<50+uint64(i))
	}
	const ready = 4 + extra

	// Level-triggered epoll rotates its ready list, so a short wait may
	// report any of them: compare against the whole set.
	want := map[Token]Event{}
	full := make([]Event, 2*ready)
	if n, e := epollWaitDecodeGeneric(epfd, &full[0], len(full), 0); n != ready || e != 0 {
		t.Fatalf("twin: (%d, %d), want %d events", n, e, ready)
	}
	for _, ev := range full[:ready] {
		want[ev.Token()] = ev
	}
	flags := func(tok Token) string {
		e := want[tok]
		return fmtBool(e.IsReadable(), "r") + fmtBool(e.IsWritable(), "w") + fmtBool(e.IsReadClosed(), "R") + fmtBool(e.IsWriteClosed(), "W") + fmtBool(e.IsError(), "E")
	}
	for tok, f := range map[Token]string{1: "rw---", ^Token(0): "rwR--", 0: "rwRW-", 1 << 40: "-w---", 1 << 50: "-w---"} {
		if got := flags(tok); got != f {
			t.Errorf("token %d: flags %s, want %s (%v)", tok, got, f, want[tok])
		}
	}
	for _, p := range decoderPaths {
		restore := p.use()
		for _, max := range []int{1, 2, 3, 4, 8, 9, ready, 2 * ready} {
			for _, wait := range []func(int, *Event, int, int) (int, uintptr){epollWaitDecode, epollWaitDecodeGeneric} {
				slots := make([]Event, max)
				n, e := wait(epfd, &slots[0], max, 0)
				if n != min(max, ready) || e != 0 {
					t.Fatalf("%s, max %d: (%d, %d)", p.name, max, n, e)
				}
				for _, ev := range slots[:n] {
					if w, ok := want[ev.Token()]; !ok || w != ev {
						t.Fatalf("%s, max %d: got %v, want %v", p.name, max, ev, w)
					}
				}
			}
		}
		restore()
	}
	// A bad descriptor fails the same way.
	slots := make([]Event, 2)
	n1, e1 := epollWaitDecode(-1, &slots[0], 2, 0)
	n2, e2 := epollWaitDecodeGeneric(-1, &slots[0], 2, 0)
	if n1 != 0 || n2 != 0 || e1 != uintptr(unix.EBADF) || e2 != e1 {
		t.Fatalf("bad fd: asm (%d, %d), twin (%d, %d)", n1, e1, n2, e2)
	}
}

func fmtBool(b bool, s string) string {
	if b {
		return s
	}
	return "-"
}

// BenchmarkDecodeEpoll decodes 8, 64 and 1024 records. place=tail decodes in
// place, as a wait leaves them, after the copy that stands in for the
// kernel's write (BenchmarkKernelCopy is that copy alone); place=apart
// decodes the same records from a buffer of their own into the slots, the
// decoder's cost alone. impl=asm is the generated decoder as this CPU runs
// it, impl=go the portable twin, and impl=avx2, ssse3 and scalar each loop
// of the generated decoder that this CPU can run, forced.
func BenchmarkDecodeEpoll(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	type impl struct {
		name   string
		decode func(*Event, unsafe.Pointer, int)
		path   decoderPath
	}
	// impl=asm, the loop this CPU takes, first: make bench's report
	// compares the first impl with each of the others.
	asIs := decoderPath{"default", func() func() { return func() {} }}
	impls := []impl{{"go", decodeEpollGeneric, asIs}}
	if hotpathGenerated {
		impls = append([]impl{{"asm", decodeEpoll, asIs}}, impls...)
		for _, p := range decoderPaths {
			if p.name != asIs.name {
				impls = append(impls, impl{p.name, decodeEpoll, p})
			}
		}
	}
	for _, im := range impls {
		for _, n := range []int{8, 64, 1024} {
			raw := make([]byte, n*epollRecordSize)
			for i := range raw {
				raw[i] = byte(r.Uint32())
			}
			b.Run(fmt.Sprintf("impl=%s/place=tail/events=%d", im.name, n), func(b *testing.B) {
				defer im.path.use()()
				slots := make([]Event, n)
				tail := epollTail(&slots[0], n)
				rec := unsafe.Slice((*byte)(tail), len(raw))
				cpu := startThreadCPU(b)
				for b.Loop() {
					copy(rec, raw) // what the kernel does before every decode
					im.decode(&slots[0], tail, n)
				}
				cpu.report(b, n)
			})
			b.Run(fmt.Sprintf("impl=%s/place=apart/events=%d", im.name, n), func(b *testing.B) {
				defer im.path.use()()
				slots := make([]Event, n)
				cpu := startThreadCPU(b)
				for b.Loop() {
					im.decode(&slots[0], unsafe.Pointer(&raw[0]), n)
				}
				cpu.report(b, n)
			})
		}
	}
}

// BenchmarkKernelCopy is the floor under BenchmarkDecodeEpoll: the copy of
// 1024 records that stands in for the kernel's write before each decode.
func BenchmarkKernelCopy(b *testing.B) {
	const n = 1024
	raw := make([]byte, n*epollRecordSize)
	slots := make([]Event, n)
	rec := unsafe.Slice((*byte)(epollTail(&slots[0], n)), len(raw))
	cpu := startThreadCPU(b)
	for b.Loop() {
		copy(rec, raw)
	}
	cpu.report(b, n)
}

// threadCPU measures the CPU time of the benchmark's thread beside the wall
// time: on a shared machine a benchmark that is descheduled is charged the
// wall time it waited, and cpu-ns/event is what the decoder itself cost.
type threadCPU struct{ start int64 }

func threadCPUNow(b *testing.B) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return ts.Nano()
}

func startThreadCPU(b *testing.B) threadCPU {
	runtime.LockOSThread()
	return threadCPU{threadCPUNow(b)}
}

// report adds ns/event (wall) and cpu-ns/event for n events per iteration.
func (c threadCPU) report(b *testing.B, n int) {
	used := threadCPUNow(b) - c.start
	runtime.UnlockOSThread()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/event")
	b.ReportMetric(float64(used)/float64(b.N)/float64(n), "cpu-ns/event")
}

// struct epoll_event as x/sys defines it for each architecture: packed, 12
// bytes with the data word at 4, on amd64 and 386; 16 bytes with the data word
// 8-aligned everywhere else. The twin reads the data word as one native
// 64-bit load at epollDataOffset, so the record must end with it.
func TestEpollLayout(t *testing.T) {
	size, data := 16, 8
	switch runtime.GOARCH {
	case "amd64", "386":
		size, data = 12, 4
	}
	if epollRecordSize != size || epollDataOffset != data {
		t.Fatalf("%s: epoll_event is %d bytes with data at %d, want %d and %d", runtime.GOARCH, epollRecordSize, epollDataOffset, size, data)
	}
	if epollDataOffset+8 != epollRecordSize {
		t.Fatalf("%s: the data word at %d does not end the %d-byte record", runtime.GOARCH, epollDataOffset, epollRecordSize)
	}
	if epollRecordSize > eventSize {
		t.Fatalf("%s: a %d-byte record does not fit a %d-byte slot (the in-place decode needs it)", runtime.GOARCH, epollRecordSize, eventSize)
	}
}
