// Package selector is the registration side of the poller, one file per OS
// mechanism: epoll on Linux; every other target gets a selector whose
// constructor fails with an error matching errors.ErrUnsupported.
//
// Each mechanism provides the same small set of names:
//
//	New() (*Selector, error)             a close-on-exec kernel poller
//	(*Selector).Register(fd, token, interest) error
//	(*Selector).Reregister(fd, token, interest) error
//	(*Selector).Deregister(fd) error
//	(*Selector).Acquire() bool / Release()   guard the descriptor while in use
//	(*Selector).Close() error
//
// and the per-OS flag mapping (for epoll, EpollFlags) next to the code that
// produces the bits. Waiting is not here: the root package owns the wait and
// its generated decoder, so that the hot path is one call.
package selector

import "errors"

// Errors shared by every mechanism. The root package re-exports them.
var (
	ErrClosed            = errors.New("mio: poll is closed")
	ErrAlreadyRegistered = errors.New("mio: source is already registered")
	ErrNotRegistered     = errors.New("mio: source is not registered")
	ErrInvalidInterest   = errors.New("mio: interest is empty or not supported on this OS")
)
