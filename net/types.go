package net

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
)

// Shutdown says which half of a connection to close.
type Shutdown int

const (
	// ShutdownRead closes the read half: further reads return io.EOF.
	ShutdownRead Shutdown = iota
	// ShutdownWrite closes the write half: the peer reads io.EOF.
	ShutdownWrite
	// ShutdownBoth closes both halves.
	ShutdownBoth
)

// Message is one datagram of a batch: the payload in Buf, the bytes sent or
// received in N, and the peer in Addr (for SendBatch, the zero AddrPort means
// the connected peer).
type Message struct {
	Buf  []byte
	N    int
	Addr netip.AddrPort
}

var errNoAddress = errors.New("mio/net: invalid address")

// errNotLinux is what the proxy features beyond mio (batches, the splice
// relay, spreading SO_REUSEPORT listeners) return off Linux.
var errNotLinux = fmt.Errorf("mio/net: not on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// notLinux is errNotLinux naming the feature it refuses.
func notLinux(feature string) error {
	return fmt.Errorf("mio/net: %s: not on %s: %w", feature, runtime.GOOS, errors.ErrUnsupported)
}
