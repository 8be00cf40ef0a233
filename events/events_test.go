package events_test

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/gomio/mio/events"
)

func TestEventIsSixteenBytesWithoutPointers(t *testing.T) {
	if s := unsafe.Sizeof(events.Event{}); s != 16 {
		t.Fatalf("Event is %d bytes, want 16", s)
	}
	e := events.MakeEvent(^events.Token(0), events.FlagReadable|events.FlagReadClosed, 0x2001)
	if e.Token() != ^events.Token(0) || e.Raw() != 0x2001 || !e.IsReadable() || !e.IsReadClosed() || e.IsWritable() {
		t.Fatalf("round trip: %v", e)
	}
	if got, want := e.String(), "Event{token: 18446744073709551615, READABLE | READ_CLOSED, raw: 0x2001}"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestEventPredicates(t *testing.T) {
	preds := []struct {
		flag events.Flags
		is   func(events.Event) bool
	}{
		{events.FlagReadable, events.Event.IsReadable},
		{events.FlagWritable, events.Event.IsWritable},
		{events.FlagError, events.Event.IsError},
		{events.FlagReadClosed, events.Event.IsReadClosed},
		{events.FlagWriteClosed, events.Event.IsWriteClosed},
		{events.FlagPriority, events.Event.IsPriority},
		{events.FlagAIO, events.Event.IsAIO},
		{events.FlagLIO, events.Event.IsLIO},
	}
	for _, p := range preds {
		for _, q := range preds {
			e := events.MakeEvent(1, p.flag, 0)
			if q.is(e) != (p.flag == q.flag) {
				t.Errorf("event with flag %#x: predicate for %#x says %v", p.flag, q.flag, q.is(e))
			}
		}
	}
}

func TestInterestAlgebra(t *testing.T) {
	rw := events.Readable.Add(events.Writable)
	if !rw.IsReadable() || !rw.IsWritable() || rw.IsPriority() || rw.IsAIO() || rw.IsLIO() {
		t.Fatalf("Readable|Writable predicates wrong: %v", rw)
	}
	if rw.String() != "READABLE | WRITABLE" {
		t.Fatalf("String() = %q", rw.String())
	}
	r, ok := rw.Remove(events.Writable)
	if !ok || r != events.Readable {
		t.Fatalf("Remove(Writable) = %v, %v", r, ok)
	}
	if _, ok := events.Readable.Remove(events.Readable); ok {
		t.Fatal("removing the last kind must report false")
	}
	all := events.Readable | events.Writable | events.Priority | events.AIO | events.LIO
	if all.String() != "READABLE | WRITABLE | PRIORITY | AIO | LIO" || !all.Valid() {
		t.Fatalf("all kinds: %q valid=%v", all.String(), all.Valid())
	}
	if events.Interest(0).Valid() || events.Interest(0x80).Valid() || events.Interest(0).String() != "(empty)" {
		t.Fatal("zero or undefined interest must be invalid")
	}
}

func FuzzInterestAlgebra(f *testing.F) {
	f.Add(uint8(1), uint8(2))
	f.Add(uint8(0xff), uint8(0))
	f.Fuzz(func(t *testing.T, a, b uint8) {
		x, y := events.Interest(a), events.Interest(b)
		u := x.Add(y)
		if u != y.Add(x) || u&x != x || u&y != y {
			t.Fatalf("Add is not a union: %v + %v = %v", x, y, u)
		}
		r, ok := u.Remove(y)
		if r&y != 0 || ok != (r != 0) || r|y != u {
			t.Fatalf("%v.Remove(%v) = %v, %v", u, y, r, ok)
		}
		if x.IsReadable() != (x&events.Readable != 0) || x.IsLIO() != (x&events.LIO != 0) {
			t.Fatal("predicates disagree with bits")
		}
		if x.Valid() != (x != 0 && x&^(events.Readable|events.Writable|events.Priority|events.AIO|events.LIO) == 0) {
			t.Fatalf("Valid(%v) = %v", x, x.Valid())
		}
		_ = x.String()
	})
}

func fill(e *events.Events, tokens ...events.Token) int {
	free := e.Free()
	n := min(len(free), len(tokens))
	for i := range n {
		free[i] = events.MakeEvent(tokens[i], events.FlagReadable, 1)
	}
	if err := e.Commit(n); err != nil {
		panic(err)
	}
	return n
}

func TestRing(t *testing.T) {
	if e := events.New(0); e.Cap() != 0 || len(e.Free()) != 0 || !e.IsEmpty() {
		t.Fatal("capacity 0")
	}
	if e := events.New(-3); e.Cap() != 0 {
		t.Fatal("negative capacity")
	}
	e := events.New(4)
	if fill(e, 1, 2, 3) != 3 || e.Len() != 3 {
		t.Fatal("fill 3")
	}
	if err := e.Commit(2); err == nil {
		t.Fatal("Commit past the free slots must fail")
	}
	if err := e.Commit(-1); err == nil {
		t.Fatal("negative Commit must fail")
	}
	var got []events.Token
	for ev := range e.All() {
		got = append(got, ev.Token())
	}
	if fmt.Sprint(got) != "[1 2 3]" || e.Len() != 3 {
		t.Fatalf("All: %v, len %d", got, e.Len())
	}
	ev, ok := e.Pop()
	if !ok || ev.Token() != 1 {
		t.Fatal("Pop 1")
	}
	// Free space now wraps: one slot at the end, one at the start.
	if fill(e, 4, 5) != 1 || len(e.Free()) != 1 || fill(e, 5) != 1 {
		t.Fatal("wrapped fill")
	}
	if e.Len() != 4 || len(e.Free()) != 0 {
		t.Fatal("ring should be full")
	}
	got = got[:0]
	for ev := range e.Drain() {
		got = append(got, ev.Token())
		if ev.Token() == 3 {
			break
		}
	}
	if fmt.Sprint(got) != "[2 3]" || e.Len() != 2 {
		t.Fatalf("Drain with break: %v, len %d", got, e.Len())
	}
	got = got[:0]
	for ev := range e.Drain() {
		got = append(got, ev.Token())
	}
	if fmt.Sprint(got) != "[4 5]" || !e.IsEmpty() || len(e.Free()) != 4 {
		t.Fatalf("rest: %v; an emptied ring rewinds to one free run: %d", got, len(e.Free()))
	}
	fill(e, 9)
	e.Clear()
	if !e.IsEmpty() || len(e.Free()) != 4 {
		t.Fatal("Clear")
	}
	if _, ok := e.Pop(); ok {
		t.Fatal("Pop on empty")
	}
}

func ExampleEvents() {
	ring := events.New(4)
	free := ring.Free()
	free[0] = events.MakeEvent(7, events.FlagReadable, 0)
	free[1] = events.MakeEvent(8, events.FlagWritable, 0)
	ring.Commit(2)
	for ev := range ring.Drain() {
		fmt.Println(ev.Token(), ev.IsReadable(), ev.IsWritable())
	}
	// Output:
	// 7 true false
	// 8 false true
}
