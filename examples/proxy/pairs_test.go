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
	tbl.add(ida, a)
	idb := tbl.token()
	tbl.add(idb, b)
	if ida == idb || ida < firstPair || ida%2 != 0 || idb%2 != 0 {
		t.Fatalf("client tokens %d and %d: want distinct even tokens from %d", ida, idb, firstPair)
	}
	if tbl.get(ida) != a || tbl.get(ida+1) != a || tbl.get(idb+1) != b {
		t.Fatal("a pair is not found by its client and upstream tokens")
	}
	tbl.remove(ida)
	tbl.remove(ida) // a second remove changes nothing
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
	if tbl.open != 3 {
		t.Fatalf("%d pairs open, want 3", tbl.open)
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
