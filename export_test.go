package mio

import (
	"sync/atomic"
	"testing"
)

// AboutToBlock returns a channel that receives each time p is about to
// block in a wait, until the test ends (one hook at a time).
func AboutToBlock(t testing.TB, p *Poll) <-chan struct{} {
	c := make(chan struct{}, 1)
	f := func(q *Poll) {
		if q == p {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
	testHooks.block.Store(&f)
	t.Cleanup(func() { testHooks.block.Store(nil) })
	return c
}

// CountInterrupted counts the waits retried after a signal, until the test
// ends.
func CountInterrupted(t testing.TB) *atomic.Int64 {
	var n atomic.Int64
	f := func() { n.Add(1) }
	testHooks.interrupted.Store(&f)
	t.Cleanup(func() { testHooks.interrupted.Store(nil) })
	return &n
}
