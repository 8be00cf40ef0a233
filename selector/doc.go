// Package selector is the registration side of the poller, one file per OS
// mechanism: epoll on Linux (epoll_linux.go), kqueue on darwin and the BSDs
// (kqueue.go, with each OS's record layout and filters in kqueue_<os>.go),
// and an I/O completion port with AFD polls on Windows (iocp_windows.go,
// afd_windows.go). Every other target gets a selector whose constructor
// fails with an error matching errors.ErrUnsupported.
//
// Each mechanism provides:
//
//	New() (*Selector, error)             the kernel poller
//	(*Selector).Acquire() bool / Release()   guard it while in use
//	(*Selector).NewWaker(token) (*Waker, error)
//	(*Selector).Close() error
//
// registration by descriptor on Unix (Register, Reregister, Deregister with
// an fd), by SOCKET on Windows (the same names with a uintptr, plus Rearm,
// which a socket calls after a would-block), and the per-OS flag mapping next to the code
// that produces the bits. On Linux the root package owns the wait and its
// generated decoder, so that the hot path is one call; kqueue and IOCP wait
// in (*Selector).Wait.
package selector

import "errors"

// Errors shared by every mechanism. The root package re-exports them.
var (
	ErrClosed            = errors.New("mio: poll is closed")
	ErrAlreadyRegistered = errors.New("mio: source is already registered")
	ErrNotRegistered     = errors.New("mio: source is not registered")
	ErrInvalidInterest   = errors.New("mio: interest is empty or not supported on this OS")
)
