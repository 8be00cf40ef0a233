// Package ownedfd holds the descriptor that a socket of package net or a
// pipe end owns, in a form whose zero value holds none: a value declared
// without its constructor (var s net.TCPStream) is closed, and its calls
// return mio.ErrClosed instead of acting on descriptor 0, standard input.
package ownedfd

import "sync/atomic"

// Cell is an owned descriptor, or none (-1). It keeps the descriptor's
// complement, so that the zero Cell holds -1.
type Cell struct{ v atomic.Int64 }

// Set makes fd the cell's descriptor; a constructor calls it once.
func (c *Cell) Set(fd int) { c.v.Store(^int64(fd)) }

// Get returns the descriptor, or -1 when the cell holds none.
func (c *Cell) Get() int { return int(^c.v.Load()) }

// Take empties the cell and returns the descriptor it held, or -1 when it
// held none: of two Takes, however they race, one gets the descriptor.
func (c *Cell) Take() int { return int(^c.v.Swap(0)) }
