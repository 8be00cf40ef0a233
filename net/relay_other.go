//go:build (unix && !linux) || windows || wasip1

package net

// Relay is Linux's relay (read and write below a threshold, splice above
// it); it cannot be created here.
type Relay struct{}

// NewRelay returns an error matching errors.ErrUnsupported.
func NewRelay(dst, src *TCPStream) (*Relay, error) { return nil, errNotLinux }

// Pump returns an error matching errors.ErrUnsupported.
func (r *Relay) Pump() (int64, error) { return 0, errNotLinux }

// PumpEdge returns an error matching errors.ErrUnsupported.
func (r *Relay) PumpEdge(srcClosed bool) (int64, error) { return 0, errNotLinux }

// Buffered returns 0.
func (r *Relay) Buffered() int { return 0 }

// Close returns an error matching errors.ErrUnsupported.
func (r *Relay) Close() error { return errNotLinux }

// RelayPool lends Linux's relays their pipes and buffers; here its relays
// cannot be created.
type RelayPool struct{}

// NewRelayPool returns a pool whose NewRelay fails.
func NewRelayPool(maxPipes int) *RelayPool { return &RelayPool{} }

// NewRelay returns an error matching errors.ErrUnsupported.
func (p *RelayPool) NewRelay(dst, src *TCPStream) (*Relay, error) { return nil, errNotLinux }

// Close returns nil: the pool holds nothing here.
func (p *RelayPool) Close() error { return nil }
