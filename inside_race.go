//go:build linux && !mio_poll && race

package mio

import "sync/atomic"

// setInside is always atomic under the race detector, so that it sees the
// close handshake (closeguard_linux.go) as the ordinary Dekker it reduces to
// without membarrier, and checks it; a plain store there would be reported
// as the race it is meant to be.
func setInside(f *uint32, v uint32) { atomic.StoreUint32(f, v) }
