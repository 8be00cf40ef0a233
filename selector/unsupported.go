//go:build !unix && !windows && !wasip1

package selector

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/gomio/mio/events"
)

// errUnsupported is what every call returns on a target without a selector
// yet: it matches errors.ErrUnsupported.
var errUnsupported = fmt.Errorf("mio: no selector for %s/%s yet: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

// Selector is the placeholder on targets without a mechanism: it compiles
// everywhere and fails clearly at run time.
type Selector struct{}

// New returns an error matching errors.ErrUnsupported.
func New() (*Selector, error) { return nil, errUnsupported }

// Fd returns -1.
func (s *Selector) Fd() int { return -1 }

// Register returns an error matching errors.ErrUnsupported.
func (s *Selector) Register(fd int, t events.Token, i events.Interest) error { return errUnsupported }

// Reregister returns an error matching errors.ErrUnsupported.
func (s *Selector) Reregister(fd int, t events.Token, i events.Interest) error {
	return errUnsupported
}

// Deregister returns an error matching errors.ErrUnsupported.
func (s *Selector) Deregister(fd int) error { return errUnsupported }

// Wait returns an error matching errors.ErrUnsupported.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	return 0, errUnsupported
}

// Close does nothing.
func (s *Selector) Close() error { return nil }

// Waker is the placeholder waker.
type Waker struct{}

// NewWaker returns an error matching errors.ErrUnsupported.
func (s *Selector) NewWaker(t events.Token) (*Waker, error) { return nil, errUnsupported }

// Wake returns an error matching errors.ErrUnsupported.
func (w *Waker) Wake() error { return errUnsupported }

// Close returns nil.
func (w *Waker) Close() error { return nil }
