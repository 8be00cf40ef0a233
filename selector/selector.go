// Package selector is the OS's readiness mechanism behind package mio, as a
// selector of its own for a program that runs its own event loop. Each
// mechanism is one file defining the same names:
//
//	epoll             Linux and Android (without the mio_poll tag)   epoll_linux.go
//	kqueue            darwin, DragonFly, FreeBSD, NetBSD, OpenBSD    kqueue.go
//	IOCP + AFD polls  Windows                                        iocp_windows.go
//	poll(2)           AIX, Solaris, illumos; any Unix with the       poll_unix.go
//	                  tag mio_poll (it adds Rearm: see there)
//	unsupported       every other target: New fails with an error    unsupported.go
//	                  matching errors.ErrUnsupported
//
// with the per-OS truth beside each (epoll_flags_linux.go maps epoll's bits,
// kqueue_<os>.go holds each BSD's record layout and filters, afd_windows.go
// the AFD poll).
//
// # The contract
//
// Every mechanism defines exactly:
//
//	func New() (*Selector, error)
//	func (s *Selector) Fd() int                      // uintptr on Windows
//	func (s *Selector) Register(fd int, t events.Token, i events.Interest) error
//	func (s *Selector) Reregister(fd int, t events.Token, i events.Interest) error
//	func (s *Selector) Deregister(fd int) error
//	func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error)
//	func (s *Selector) NewWaker(t events.Token) (*Waker, error)  // Waker.Wake, Waker.Close
//	func (s *Selector) Close() error
//
// (Windows registers sockets, not descriptors: see iocp_windows.go.)
//
// New creates the kernel's poller, close-on-exec. Register adds a
// descriptor, edge-triggered, with the caller's 64-bit token; a descriptor
// registered already, here or with another selector, gives
// ErrAlreadyRegistered. Reregister replaces the token and interest, and
// Deregister removes the descriptor, both ErrNotRegistered for one that is
// not registered here; once Deregister returns, no Wait that starts
// afterwards reports it. Wait fills dst with up to len(dst) events:
//
//   - timeout < 0 blocks until at least one event (or Close);
//   - timeout == 0 checks once and returns at once;
//   - timeout > 0 waits up to timeout.
//
// It may return early with no events (a signal, an event that resolves to
// nothing); spurious events are allowed, missed ones are bugs. A Waker makes
// Wait report its token from any goroutine. Close is idempotent; every call
// after it returns ErrClosed.
//
// # The safety rule
//
// Registry calls, Waker.Wake and Close are safe from any goroutine at any
// time; Wait is for one goroutine at a time, and Close is safe against it:
// Close wakes a Wait in progress, which then returns ErrClosed, and the
// descriptor is closed only when the last call that uses it has returned,
// so that no call ever runs on a number the OS has since given to someone
// else. Fd is for waiting on the descriptor with calls of one's own
// (package mio's generated wait on Linux, mio.EpollWait, a nested poller);
// such a wait is not a Wait, and the caller must not Close while it is in
// progress: mio's Poll keeps that rule with a handshake of its own.
package selector

import "errors"

// Errors shared by every mechanism. The root package re-exports them.
var (
	ErrClosed            = errors.New("mio: poll is closed")
	ErrAlreadyRegistered = errors.New("mio: source is already registered")
	ErrNotRegistered     = errors.New("mio: source is not registered")
	ErrInvalidInterest   = errors.New("mio: interest is empty or not supported on this OS")
)
