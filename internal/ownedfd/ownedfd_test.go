package ownedfd

import "testing"

func TestZeroHoldsNone(t *testing.T) {
	var c Cell
	if fd := c.Get(); fd != -1 {
		t.Fatalf("zero Cell: Get %d, want -1", fd)
	}
	if fd := c.Take(); fd != -1 {
		t.Fatalf("zero Cell: Take %d, want -1", fd)
	}
}

func TestSetGetTake(t *testing.T) {
	for _, fd := range []int{0, 1, 2, 1 << 20, 1<<31 - 1} {
		var c Cell
		c.Set(fd)
		if got := c.Get(); got != fd {
			t.Fatalf("Set(%d): Get %d", fd, got)
		}
		if got := c.Take(); got != fd {
			t.Fatalf("Set(%d): Take %d", fd, got)
		}
		if got, again := c.Get(), c.Take(); got != -1 || again != -1 {
			t.Fatalf("after Take of %d: Get %d, Take %d; want -1, -1", fd, got, again)
		}
	}
}
