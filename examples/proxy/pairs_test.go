//go:build unix || windows

package main

import (
	"testing"

	"github.com/gomio/mio"
)

// A slot freed while a batch is handled is not given to a new pair before
// the batch ends, so that the batch's remaining events for the closed pair
// find nothing; after it, the slot is reused.
func TestPairTableReusesSlotsAfterTheBatch(t *testing.T) {
	var tbl pairTable
	a, b := &pair{}, &pair{}
	ida := tbl.token()
	if again := tbl.token(); again != ida {
		t.Fatalf("token without add: %d, then %d: a failed dial must leave the table as it was", ida, again)
	}
	tbl.add(ida, a)
	idb := tbl.token()
	tbl.add(idb, b)
	if ida == idb || ida < firstPair || ida%2 != 0 || idb%2 != 0 {
		t.Fatalf("client tokens %d and %d: want distinct even tokens from %d", ida, idb, firstPair)
	}
	if tbl.get(ida) != a || tbl.get(ida+1) != a || tbl.get(idb+1) != b {
		t.Fatal("a pair is not found by its client and upstream tokens")
	}
	tbl.remove(ida, a)
	tbl.remove(ida, a) // a second remove changes nothing
	if tbl.get(ida) != nil || tbl.get(ida+1) != nil {
		t.Fatal("a removed pair is still found")
	}
	if id := tbl.token(); id == ida {
		t.Fatalf("slot of token %d reused within the batch that freed it", id)
	}
	c := &pair{}
	idc := tbl.token()
	tbl.add(idc, c)
	tbl.endBatch()
	d := &pair{}
	idd := tbl.token()
	tbl.add(idd, d)
	if idd != ida || tbl.get(ida) != d {
		t.Fatalf("after the batch, new pair got token %d, want the freed %d", idd, ida)
	}
	tbl.remove(ida, a) // a's slot is d's now: a late remove of a leaves d
	if tbl.get(ida) != d || tbl.open != 3 {
		t.Fatalf("a remove of a closed pair took its slot's new pair: %d open", tbl.open)
	}
	seen := map[*pair]bool{}
	tbl.all(func(id mio.Token, p *pair) {
		if tbl.get(id) != p {
			t.Errorf("all gave token %d for a pair that get does not find there", id)
		}
		seen[p] = true
	})
	if len(seen) != 3 || !seen[b] || !seen[c] || !seen[d] {
		t.Fatalf("all visited %d pairs, want b, c and d", len(seen))
	}
	if tbl.get(firstPair-1) != nil || tbl.get(firstPair+2*100) != nil {
		t.Fatal("a token outside the table names a pair")
	}
}

// all may remove each pair it is given, as a loop's close does, and then
// visits every pair once; the slots all come back after the batch.
func TestPairTableAllWithRemoval(t *testing.T) {
	var tbl pairTable
	want := map[*pair]mio.Token{}
	for range 5 {
		p, id := &pair{}, tbl.token()
		tbl.add(id, p)
		want[p] = id
	}
	visits := 0
	tbl.all(func(id mio.Token, p *pair) {
		if want[p] != id {
			t.Errorf("all gave token %d for a pair added with %d", id, want[p])
		}
		visits++
		tbl.remove(id, p)
	})
	if visits != 5 || tbl.open != 0 {
		t.Fatalf("%d visits, %d open after removing each: want 5 and 0", visits, tbl.open)
	}
	tbl.endBatch()
	reused := map[mio.Token]bool{}
	for range 5 {
		id := tbl.token()
		tbl.add(id, &pair{})
		reused[id] = true
	}
	for _, id := range want {
		if !reused[id] {
			t.Errorf("token %d was not reused after the batch", id)
		}
	}
	if len(tbl.slots) != 5 {
		t.Fatalf("%d slots for 5 pairs at most at once", len(tbl.slots))
	}
}
