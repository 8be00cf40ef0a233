//go:build linux && !mio_poll

package mio

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// Close against a Poll in progress, on Linux, where Poll waits on the epoll
// descriptor itself (the generated trampoline) instead of through the
// selector.
//
// The danger: Close frees the epoll descriptor's number, the OS gives it to
// the next descriptor anyone opens, and a Poll still on its way into the
// wait then waits on someone else's descriptor. Reference counting the
// descriptor around every wait prevents it, but costs two LOCK-prefixed
// atomic adds per Poll, which on some Intel hosts is a fifth of a Poll(0).
//
// The protocol instead makes Close pay: an asymmetric Dekker handshake.
// Poll, the only goroutine that waits, announces itself with a plain store
// (inside = 1) and then reads closed; Close sets closed, wakes the wait,
// and issues membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which runs a
// full memory barrier on every thread of the process that is running. After
// the barrier, either Poll's store is visible to Close, or Poll's read comes
// after the barrier and sees closed: one of them always sees the other
// (Linux's own sys_membarrier users, liburcu and the JVM, rely on the same
// argument). So Close reads inside: 0 means no Poll is in the wait or can
// enter it, and Close releases the descriptor; 1 means the Poll releases it
// on its way out, when it reads closed after clearing inside. Both may
// decide to release (a Poll leaving just as Close looks); a CAS picks the
// one that does. Registry calls keep the selector's own reference count:
// they are not on the hot path.
//
// Where membarrier is refused (kernels before 4.14, seccomp, gVisor), the
// stores become atomic exchanges, the ordinary Dekker: correct, and as
// costly as the reference count was. Under the race detector they are
// always atomic, so that it checks the handshake (see inside_race.go).
type closeGuard struct {
	inside   uint32        // 1 while the Poll goroutine is between enter and exit
	closed   atomic.Uint32 // set once by Close
	released atomic.Bool   // the selector has been handed to release
	wake     *selector.Waker
}

// membarrier commands, from linux/membarrier.h (x/sys defines only the
// syscall number).
const (
	membarrierCmdPrivateExpedited         = 1 << 3
	membarrierCmdRegisterPrivateExpedited = 1 << 4
)

var (
	fenceOnce sync.Once
	fenced    bool // membarrier is registered: Poll's stores may be plain
)

// registerFence registers the process for expedited private membarriers,
// once, before the first Poll exists, so that fenced never changes under a
// Poll.
func registerFence() {
	if runtime.GOOS == "android" {
		// An app's seccomp filter kills the caller of a syscall it does
		// not allow (SIGSYS), and membarrier is not allowed on every
		// version: Android takes the atomic stores.
		return
	}
	_, _, e := unix.RawSyscall(unix.SYS_MEMBARRIER, membarrierCmdRegisterPrivateExpedited, 0, 0)
	fenced = e == 0
}

// fence makes every store that the Poll goroutine made before it visible,
// and every read it makes after it see what Close stored before it. Without
// membarrier the stores are atomic already and the CAS of Close is the
// fence. Once the process is registered, the kernel does not refuse the
// command, so its result needs no answer.
func fence() {
	if fenced {
		unix.RawSyscall(unix.SYS_MEMBARRIER, membarrierCmdPrivateExpedited, 0, 0)
	}
}

// init prepares the Close of sel: the wake-up is created here, registered
// edge-triggered and never signalled before Close, so that Close needs no
// new descriptor (it may be called when none is left).
func (g *closeGuard) init(sel *selector.Selector) error {
	fenceOnce.Do(registerFence)
	// The token never reaches a user: a Poll that wakes for Close returns
	// ErrClosed and commits nothing.
	w, err := sel.NewWaker(0)
	g.wake = w
	return err
}

// enter begins a wait; false means the Poll is closed, and the wait must
// not touch the descriptor. exit ends it and reports whether Close came
// meanwhile; then the wait's results are dropped. After either has seen
// Close, the Poll calls leaveClosed. They are this small so that they inline
// into Poll.
func (p *Poll) enter() bool {
	setInside(&p.guard.inside, 1)
	return p.guard.closed.Load() == 0
}

func (p *Poll) exit() (closed bool) {
	setInside(&p.guard.inside, 0)
	return p.guard.closed.Load() != 0
}

// leaveClosed is the way out of a Poll that saw Close: outside the wait for
// good, it releases the selector if Close left that to this Poll.
func (p *Poll) leaveClosed() {
	setInside(&p.guard.inside, 0)
	p.release()
}

// isClosed reports whether Close has been called.
func (p *Poll) isClosed() bool { return p.guard.closed.Load() != 0 }

// close is Poll.Close: see closeGuard.
func (p *Poll) close() error {
	if !p.guard.closed.CompareAndSwap(0, 1) {
		return nil
	}
	_ = p.guard.wake.Wake() // a wait in progress returns and reads closed
	fence()
	if atomic.LoadUint32(&p.guard.inside) == 0 {
		p.release()
	}
	return nil
}

// release closes the wake-up and the selector, once, when no Poll can be in
// the wait.
func (p *Poll) release() {
	if p.guard.released.CompareAndSwap(false, true) {
		_ = p.guard.wake.Close()
		_ = p.sel.Close()
	}
}
