//go:build unix || windows

package main

import "github.com/gomio/mio"

// pairTable holds a loop's pairs in a slab: the pair in slot k has the
// tokens firstPair+2k (its client) and firstPair+2k+1 (its upstream), so
// that finding an event's pair is an index, not a map lookup (which cost
// 8 % of the loop's own time, once per event, with 50 connections).
//
// A slot freed while a batch of events is handled is reused only from the
// next batch on: the rest of the batch may still hold events of the pair
// just closed, and they must find no pair rather than a new one. A later
// Poll reports nothing for the closed pair's sockets, which were
// deregistered before they were closed.
type pairTable struct {
	slots   []*pair
	free    []int // slots to reuse, from the batch before on
	retired []int // slots freed in this batch
	open    int
}

// token is the client token of a new pair's slot; add must follow.
func (t *pairTable) token() mio.Token {
	k := len(t.slots)
	if n := len(t.free); n > 0 {
		k = t.free[n-1]
	}
	return firstPair + 2*mio.Token(k)
}

// add puts p at id, which token returned.
func (t *pairTable) add(id mio.Token, p *pair) {
	k := int(id-firstPair) / 2
	if k == len(t.slots) {
		t.slots = append(t.slots, p)
	} else {
		t.free = t.free[:len(t.free)-1]
		t.slots[k] = p
	}
	t.open++
}

// get returns the pair that tok (either of its tokens) names, nil when none.
func (t *pairTable) get(tok mio.Token) *pair {
	if tok < firstPair {
		return nil
	}
	if k := (tok - firstPair) / 2; k < mio.Token(len(t.slots)) {
		return t.slots[k]
	}
	return nil
}

// remove frees the slot of p, whose client token is id; a second remove
// of p changes nothing, even once its slot holds another pair.
func (t *pairTable) remove(id mio.Token, p *pair) {
	k := int(id-firstPair) / 2
	if t.slots[k] == p {
		t.slots[k] = nil
		t.retired = append(t.retired, k)
		t.open--
	}
}

// endBatch makes the slots freed in this batch reusable.
func (t *pairTable) endBatch() {
	t.free = append(t.free, t.retired...)
	t.retired = t.retired[:0]
}

// all calls f with each pair and its client token; f may remove it.
func (t *pairTable) all(f func(id mio.Token, p *pair)) {
	for k, p := range t.slots {
		if p != nil {
			f(firstPair+2*mio.Token(k), p)
		}
	}
}
