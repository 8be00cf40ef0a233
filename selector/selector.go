// Package selector is the OS's readiness mechanism behind package mio, as a
// selector of its own for a program that runs its own event loop. One
// mechanism is built for each target, and every one defines the same names:
//
//	epoll             Linux and Android (without the tag mio_poll)
//	kqueue            darwin, DragonFly, FreeBSD, NetBSD, OpenBSD
//	IOCP + AFD polls  Windows
//	poll(2)           AIX, Solaris, illumos; any Unix with the tag mio_poll
//	poll_oneoff       wasip1 (WASI Preview 1)
//	unsupported       every other target: New fails with an error
//	                  matching errors.ErrUnsupported
//
// Each reports its kernel's readiness bits as mio does on that OS (an
// Event's readable, writable, error and closed flags mean the same
// everywhere; its raw bits are the kernel's own). epoll and kqueue are
// edge-triggered; poll(2), poll_oneoff and the AFD polls report a readiness
// once and report it again only after a re-arm, Reregister or Rearm (a
// function on Unix and wasip1, a Selector method on Windows), which a loop
// calls once an operation on the descriptor would block; Rearm does nothing
// on epoll and kqueue, so a Unix loop may call it everywhere.
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
// (Windows registers sockets, SOCKETs as uintptr, not descriptors; it adds
// Rearm, and Associate, Start, Abort and Post for handles whose overlapped
// operations complete into Wait, such as named pipes.)
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
