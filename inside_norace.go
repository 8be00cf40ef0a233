//go:build linux && !mio_poll && !race

package mio

import "sync/atomic"

// setInside is the Poll side of the close handshake (closeguard_linux.go):
// a plain store where membarrier orders it from Close, an atomic one where
// the kernel refused membarrier. The build tag is why this is a file of its
// own: inside_race.go is the race detector's version.
func setInside(f *uint32, v uint32) {
	if fenced {
		*f = v
		return
	}
	atomic.StoreUint32(f, v)
}
