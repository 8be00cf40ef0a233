//go:build (darwin || dragonfly || freebsd || netbsd || openbsd) && !mio_poll

package selector

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/internal/kevent"
	"golang.org/x/sys/unix"
)

// Selector is a kqueue: EV_CLEAR (edge-triggered) read and write filters
// keyed by descriptor.
//
// On 64-bit targets (and NetBSD, whose udata is 64 bits everywhere) each
// filter carries its registration's token in udata, so a record read back
// names its token itself: nothing is looked up, and a record the program
// asked the kernel for directly comes back with the token the program chose
// (an AIO or LIO request whose sigevent names the kqueue, Registry.Fd, and
// carries the token in sigev_value: SIGEV_KEVENT on FreeBSD and DragonFly,
// an aiocb's aio_sigevent on macOS; the Interest AIO or LIO given to
// Register adds no filter). Where udata holds 32 bits (32-bit FreeBSD and
// OpenBSD) a side table maps each descriptor to its token, and AIO and LIO
// are refused: their records name no registered descriptor.
//
// udata is pointer-typed in x/sys's kevent_t, and a token is no pointer:
// records are only ever built and read in memory the collector does not
// scan (keventBuf), never copied as a kevent_t value.
type Selector struct {
	kq  int
	ref fdRef

	mu     sync.RWMutex
	tokens map[int]events.Token // without tokensInUdata: registered descriptor → token
	waker  wakerSlot            // without tokensInUdata: the EVFILT_USER waker's token

	buf keventBuf // the wait's records; only the polling goroutine uses it

	closeWake [2]int // the pipe Close writes to end a wait, where there is no EVFILT_USER; -1 when unused
}

// tokensInUdata is true where udata is wide enough for a token.
const tokensInUdata = unsafe.Sizeof(unix.Kevent_t{}.Udata) >= 8

// keventBuf is room for kevent_t records in memory the collector does not
// scan ([]uint64), so that a token in udata is never taken for a pointer.
type keventBuf []uint64

const keventSize = unsafe.Sizeof(unix.Kevent_t{})

// records returns room for n records, growing b once per size.
func (b *keventBuf) records(n int) []unix.Kevent_t {
	if words := (n*int(keventSize) + 7) / 8; len(*b) < words {
		*b = make(keventBuf, words)
	}
	return unsafe.Slice((*unix.Kevent_t)(unsafe.Pointer(&(*b)[0])), n)
}

// setUdata stores t in k's udata without a typed pointer store (which the
// collector's write barrier would inspect).
func setUdata(k *unix.Kevent_t, t events.Token) {
	p := unsafe.Add(unsafe.Pointer(k), unsafe.Offsetof(k.Udata))
	if tokensInUdata {
		*(*uint64)(p) = uint64(t)
	} else {
		*(*uintptr)(p) = uintptr(t)
	}
}

type wakerSlot struct {
	token events.Token
	live  bool
}

// New creates a close-on-exec kqueue.
func New() (*Selector, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, fmt.Errorf("mio: kqueue: %w", err)
	}
	unix.CloseOnExec(kq)
	s := &Selector{kq: kq, closeWake: [2]int{-1, -1}}
	if !tokensInUdata {
		s.tokens = make(map[int]events.Token)
	}
	if err := s.prepareCloseWake(); err != nil {
		s.destroy()
		return nil, fmt.Errorf("mio: kqueue close wake-up: %w", err)
	}
	return s, nil
}

// closeIdent is the EVFILT_USER identifier of Close's wake-up, beside the
// Waker's wakerIdent.
const closeIdent = 1

// prepareCloseWake registers, at New, what Close triggers to end a wait in
// progress: an EVFILT_USER event where the OS has the filter, else a pipe.
// Made now, it is there when Close needs it, also when no descriptor is
// left to create (EMFILE is when a server is in trouble, and closes). It
// carries no token: Poll reports ErrClosed, not its event.
func (s *Selector) prepareCloseWake() error {
	if hasUserFilter {
		return s.change(closeIdent, userFilter, unix.EV_ADD|unix.EV_CLEAR, 0)
	}
	p, err := newPipe()
	if err != nil {
		return err
	}
	s.closeWake = p
	return s.change(p[0], unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR, 0)
}

// Fd returns the kqueue descriptor.
func (s *Selector) Fd() int { return s.kq }

// checkInterest refuses what kqueue cannot report: Priority everywhere, AIO
// and LIO where the OS lacks the filter.
func checkInterest(i events.Interest) error {
	switch {
	case !i.Valid():
		return ErrInvalidInterest
	case i.IsPriority(), i.IsAIO() && !(hasAIO && tokensInUdata), i.IsLIO() && !(hasLIO && tokensInUdata):
		return fmt.Errorf("%w: %v with kqueue: %w", ErrInvalidInterest, i, errors.ErrUnsupported)
	}
	return nil
}

// change applies one change, carrying t in udata: every change to a filter
// sets its udata (FreeBSD's kqueue_register does so even without EV_ADD),
// so each one carries the token. With no room for events, kevent reports a
// failed change as its own error.
func (s *Selector) change(fd int, filter int, flags int, t events.Token) error {
	return s.changeNote(fd, filter, flags, 0, t)
}

// changeNote is change with fflags (EVFILT_USER's NOTE_TRIGGER).
func (s *Selector) changeNote(fd int, filter int, flags int, fflags uint32, t events.Token) error {
	var rec [(keventSize + 7) / 8]uint64 // not scanned: see keventBuf
	k := unsafe.Slice((*unix.Kevent_t)(unsafe.Pointer(&rec)), 1)
	unix.SetKevent(&k[0], fd, filter, flags)
	k[0].Fflags = fflags
	setUdata(&k[0], t)
	for {
		_, err := unix.Kevent(s.kq, k, nil, nil)
		if err != unix.EINTR {
			return err
		}
	}
}

// apply adds the filters i asks for, with token t, and deletes the others
// (a filter that is absent is not an error), as mio does. AIO and LIO need
// no filter: their events come from the aio requests themselves.
func (s *Selector) apply(fd int, t events.Token, i events.Interest) error {
	for _, f := range [...]struct {
		filter int
		want   bool
	}{{unix.EVFILT_READ, i.IsReadable()}, {unix.EVFILT_WRITE, i.IsWritable()}} {
		flags := unix.EV_ADD | unix.EV_CLEAR
		if !f.want {
			flags = unix.EV_DELETE
		}
		if err := s.change(fd, f.filter, flags, t); err != nil && !(err == unix.ENOENT && !f.want) {
			return err
		}
	}
	return nil
}

// noFilters makes apply delete both filters.
const noFilters events.Interest = 0

// Register adds fd with token t and interest i. A descriptor that is already
// registered, with this selector or another one, gives ErrAlreadyRegistered.
func (s *Selector) Register(fd int, t events.Token, i events.Interest) error {
	if err := checkInterest(i); err != nil {
		return err
	}
	sh, err := s.lockUnowned(fd, "register")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	// The token is in the table before the filters exist: an edge that
	// fires at once must find it, or it would be dropped and never repeat.
	s.setToken(fd, t)
	if err := s.apply(fd, t, i); err != nil {
		_ = s.apply(fd, t, noFilters) // undo a half-applied registration
		s.dropToken(fd)
		return fmt.Errorf("mio: register fd %d: %w", fd, err)
	}
	sh.put(fd, owner{sel: s, bits: uint32(i), token: t})
	return nil
}

// Reregister replaces the token and interest of a registered fd.
func (s *Selector) Reregister(fd int, t events.Token, i events.Interest) error {
	if err := checkInterest(i); err != nil {
		return err
	}
	sh, err := s.lockFd(fd, "reregister")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	if o, ok := sh.regs[fd]; !ok || o.sel != s {
		return ErrNotRegistered
	}
	s.setToken(fd, t) // before the filters change, so no event carries the old token
	if err := s.apply(fd, t, i); err != nil {
		return fmt.Errorf("mio: reregister fd %d: %w", fd, err)
	}
	sh.put(fd, owner{sel: s, bits: uint32(i), token: t})
	return nil
}

// Deregister removes fd. Deleting a filter also discards its pending
// events, so no wait that starts afterwards reports fd.
func (s *Selector) Deregister(fd int) error {
	sh, err := s.lockFd(fd, "deregister")
	if err != nil {
		return err
	}
	defer s.unlockFd(sh)
	if o, ok := sh.regs[fd]; !ok || o.sel != s {
		return ErrNotRegistered
	}
	err = s.apply(fd, 0, noFilters)
	delete(sh.regs, fd)
	s.dropToken(fd)
	if err != nil && err != unix.EBADF {
		return fmt.Errorf("mio: deregister fd %d: %w", fd, err)
	}
	return nil
}

// holds asks the kernel whether fd, recorded as o, is still registered here.
// kqueue forgets a closed descriptor's filters, but the table cannot see the
// close; enabling a filter without EV_ADD fails with ENOENT when it is gone
// and is harmless (at most a spurious event) when it is live. See
// lockUnowned for the locking.
func (s *Selector) holds(fd int, o owner) bool {
	if !s.acquire() {
		return false
	}
	defer s.release()
	i := events.Interest(o.bits)
	switch {
	case i.IsReadable():
		return s.change(fd, unix.EVFILT_READ, unix.EV_ENABLE, o.token) == nil
	case i.IsWritable():
		return s.change(fd, unix.EVFILT_WRITE, unix.EV_ENABLE, o.token) == nil
	}
	return true // no filter to ask about: trust the record
}

// setToken records fd's token where udata cannot carry it.
func (s *Selector) setToken(fd int, t events.Token) {
	if !tokensInUdata {
		s.mu.Lock()
		s.tokens[fd] = t
		s.mu.Unlock()
	}
}

func (s *Selector) dropToken(fd int) {
	if !tokensInUdata {
		s.mu.Lock()
		delete(s.tokens, fd)
		s.mu.Unlock()
	}
}

// Wait waits for up to len(dst) events for up to timeout (negative:
// without limit) and decodes them with the generated decoder (its Go twin
// on layouts it does not read), each event's token taken from udata, or
// where udata is too narrow, from the registration of its descriptor (then
// records of descriptors deregistered meanwhile are dropped). The wake-up
// of Close carries no token; Poll reports ErrClosed instead of it. A signal
// ends the wait early with no events.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	// The use keeps the descriptor open until this Wait has returned; Close
	// wakes it (the contract's safety rule).
	if !s.acquire() {
		return 0, ErrClosed
	}
	defer s.release()
	if len(dst) == 0 {
		return 0, nil
	}
	recs := s.buf.records(len(dst))
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	n, err := unix.Kevent(s.kq, nil, recs, ts)
	switch {
	case err == unix.EINTR:
		return 0, nil
	case err != nil:
		return 0, os.NewSyscallError("kevent", err)
	case n == 0:
		return 0, nil
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&recs[0])), n*int(keventSize))
	if !tokensInUdata {
		n = kevent.Decode(dst, raw, keventLayout)
		return s.resolve(dst[:n]), nil
	}
	// The token is in udata: the decoder writes finished events.
	return kevent.Decode(dst, raw, udataLayout), nil
}

// udataLayout decodes udata as each event's token (with tokensInUdata).
var udataLayout = keventLayout.UdataTokens()

// resolve replaces each event's descriptor with its registration's token,
// where udata cannot carry it.
func (s *Selector) resolve(evs []events.Event) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := 0
	for _, e := range evs {
		var t events.Token
		var ok bool
		if hasUserFilter && int16(e.Raw()) == userFilter {
			t, ok = s.waker.token, s.waker.live && e.Token() == wakerIdent
		} else {
			t, ok = s.tokens[int(e.Token())]
		}
		if ok {
			evs[k] = events.MakeEvent(t, e.Flags(), e.Raw())
			k++
		}
	}
	return k
}

// Close closes the selector. A goroutine blocked in the wait is woken and
// then sees the selector closed; the descriptor itself is closed when the
// last user leaves. Close is idempotent.
func (s *Selector) Close() error {
	if !s.acquire() {
		return nil
	}
	s.ref.closeWaking(s.wakeForClose)
	s.release()
	return nil
}

// wakeForClose makes any wait in progress return, through the wake-up that
// New prepared; it creates nothing.
func (s *Selector) wakeForClose() {
	if hasUserFilter {
		_ = s.changeNote(closeIdent, userFilter, 0, noteTrigger, 0)
		return
	}
	_, _ = unix.Write(s.closeWake[1], []byte{1})
}

func (s *Selector) destroy() {
	forgetOwner(s)
	for _, fd := range s.closeWake {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	unix.Close(s.kq)
}
