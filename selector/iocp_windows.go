package selector

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/internal/iocp"
	"golang.org/x/sys/windows"
)

// Selector is an I/O completion port with one AFD helper handle. Each
// registered socket has one AFD poll in flight at a time (an
// IOCTL_AFD_POLL on the helper handle, the way mio and libuv learn a
// socket's readiness), whose completion is its readiness; other handles
// associated with the port (Associate) complete overlapped operations
// that Start recorded, each reported through the function its Overlapped
// was made with.
//
// Readiness is edge-triggered, as mio emulates it on Windows: a condition
// reported once is not reported again until the socket is re-armed (Rearm,
// which a loop calls after an operation on the socket returned
// WSAEWOULDBLOCK, or Reregister).
type Selector struct {
	port windows.Handle
	afd  windows.Handle
	ref  fdRef

	mu      sync.Mutex
	records pollRecords                   // every socket's record, polled or not
	sockets map[windows.Handle]*afdSocket // registered, by the SOCKET registered
	updates []*afdSocket                  // to poll again before the next wait
	waker   *Waker

	ops operations // overlapped operations in flight (overlapped_windows.go)

	entries []iocp.Entry // the wait's records; only the polling goroutine uses it
	repoll  []uint32     // slots the wait's decoder finished that wait for more
	repolls int          // how many of repoll to poll again before the next wait
}

// owners refuses a socket registered with a second selector, as mio's API
// promises; keyed by base socket.
var owners = struct {
	sync.Mutex
	m map[windows.Handle]*Selector
}{m: make(map[windows.Handle]*Selector)}

// New creates a completion port and its AFD helper handle.
func New() (*Selector, error) {
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("mio: CreateIoCompletionPort: %w", err)
	}
	afd, err := openAFD(port)
	if err != nil {
		windows.CloseHandle(port)
		return nil, err
	}
	return &Selector{
		port: port, afd: afd,
		sockets: make(map[windows.Handle]*afdSocket),
		ops:     operations{m: make(map[uintptr]*Overlapped)},
	}, nil
}

// Fd returns the completion port's handle. Associate handles with it
// through Associate: their completions need its completion key, and those
// with key 0 are the selector's AFD polls.
func (s *Selector) Fd() uintptr { return uintptr(s.port) }

// acquire marks the start of a use of the port; false means closed.
func (s *Selector) acquire() bool { return s.ref.acquire() }

// release ends a use begun by acquire.
func (s *Selector) release() {
	if s.ref.release() {
		s.destroy()
	}
}

func checkInterest(i events.Interest) error {
	switch {
	case !i.Valid():
		return ErrInvalidInterest
	case i.IsAIO(), i.IsLIO():
		return fmt.Errorf("%w: %v on Windows: %w", ErrInvalidInterest, i, errors.ErrUnsupported)
	}
	return nil
}

// baseSocket asks the socket's provider for the socket AFD knows
// (SIO_BASE_HANDLE), as layered providers may wrap it.
func baseSocket(sock windows.Handle) (windows.Handle, error) {
	const sioBaseHandle = 0x48000022
	var base windows.Handle
	var n uint32
	err := windows.WSAIoctl(sock, sioBaseHandle, nil, 0, (*byte)(unsafe.Pointer(&base)),
		uint32(unsafe.Sizeof(base)), &n, nil, 0)
	if err != nil {
		return 0, fmt.Errorf("mio: SIO_BASE_HANDLE: %w", err)
	}
	return base, nil
}

// Register starts polling the socket sock (a SOCKET) for i, reporting token
// t. A socket already registered, here or with another selector, gives
// ErrAlreadyRegistered. Interests other than Readable, Writable and Priority
// give ErrInvalidInterest.
func (s *Selector) Register(sock uintptr, t events.Token, i events.Interest) error {
	if err := checkInterest(i); err != nil {
		return err
	}
	base, err := baseSocket(windows.Handle(sock))
	if err != nil {
		return err
	}
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	st := &afdSocket{sel: s, sock: windows.Handle(sock), base: base, interest: i}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sockets[st.sock] != nil {
		return ErrAlreadyRegistered
	}
	if err := s.records.get(st); err != nil {
		return err
	}
	st.rec.Token, st.rec.Want, st.rec.Polling = t, uint16(iocp.InterestBits(i)), iocp.PollIdle
	owners.Lock() // always taken inside s.mu
	if owners.m[base] != nil {
		owners.Unlock()
		s.records.put(st)
		return ErrAlreadyRegistered
	}
	owners.m[base] = s
	owners.Unlock()
	if err := st.submit(); err != nil {
		owners.Lock()
		delete(owners.m, base)
		owners.Unlock()
		s.records.put(st) // nothing in flight: the poll was refused
		return err
	}
	s.sockets[st.sock] = st
	return nil
}

// Reregister replaces the token and interest of sock and re-arms it;
// ErrNotRegistered when sock is not registered here.
func (s *Selector) Reregister(sock uintptr, t events.Token, i events.Interest) error {
	if err := checkInterest(i); err != nil {
		return err
	}
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sockets[windows.Handle(sock)]
	if st == nil {
		return ErrNotRegistered
	}
	// A poll in flight that asks for fewer bits is replaced; one that asks
	// for more may complete with bits no longer wanted, which complete drops.
	st.rec.Token, st.interest, st.rec.Want = t, i, uint16(iocp.InterestBits(i))
	return st.submit()
}

// Deregister stops polling sock; ErrNotRegistered when it is not registered
// here. No event for it is reported once Deregister returns. Deregister a
// socket before closing it: the handle may be reused at once.
func (s *Selector) Deregister(sock uintptr) error {
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sockets[windows.Handle(sock)]
	if st == nil {
		return ErrNotRegistered
	}
	s.forget(st)
	if st.state == pollPending {
		// st keeps its record until the cancellation's completion is seen.
		_ = st.cancel()
	}
	return nil
}

// forget drops st from the registrations. The caller holds s.mu.
func (s *Selector) forget(st *afdSocket) {
	st.sync()
	st.deleted = true
	switch st.state {
	case pollIdle:
		s.records.put(st) // else when its completion comes
	case pollPending:
		st.rec.Polling = iocp.PollSelector // its completion reports nothing
	}
	if s.sockets[st.sock] == st {
		delete(s.sockets, st.sock)
		owners.Lock()
		if owners.m[st.base] == s {
			delete(owners.m, st.base)
		}
		owners.Unlock()
	}
}

// Rearm asks again for every condition of the interest of sock, so that
// the next readiness is a new event. Call it after an operation on sock
// returned WSAEWOULDBLOCK: that is what edge-triggered means with epoll and
// kqueue, and AFD polls report a condition once. Re-arming a socket whose
// conditions have not been reported since the last re-arm costs a lookup;
// a socket not registered here is ignored (ErrClosed once s is closed).
func (s *Selector) Rearm(sock uintptr) error {
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sockets[windows.Handle(sock)]
	if st == nil {
		return nil
	}
	if want := uint16(iocp.InterestBits(st.interest)); st.rec.Want != want {
		st.rec.Want = want
		return st.submit()
	}
	return nil
}

// queue schedules st to be polled again before the next wait. The caller
// holds s.mu.
func (s *Selector) queue(st *afdSocket) {
	if !st.queued {
		st.queued = true
		s.updates = append(s.updates, st)
	}
}

// flush polls every queued socket again, and those the last wait's decoder
// left waiting for more. The caller holds s.mu.
func (s *Selector) flush() {
	for _, slot := range s.repoll[:s.repolls] {
		// The slot's record may have changed hands since (Deregister, then
		// Register): submitting a socket whose poll is in flight is free.
		if st := s.records.bySlot(slot); st != nil && !st.deleted {
			s.queue(st)
		}
	}
	s.repolls = 0
	for _, st := range s.updates {
		st.queued = false
		if err := st.submit(); err != nil {
			s.forget(st) // its handle is gone: closed without deregistering
		}
	}
	clear(s.updates)
	s.updates = s.updates[:0]
}

// Wait dequeues completions for up to timeout (negative: without limit,
// rounded up to the millisecond) and turns them into at most len(dst)
// events.
func (s *Selector) Wait(dst []events.Event, timeout time.Duration) (int, error) {
	// The use keeps the descriptor open until this Wait has returned; Close
	// wakes it (the contract's safety rule).
	if !s.acquire() {
		return 0, ErrClosed
	}
	defer s.release()
	s.mu.Lock()
	s.flush()
	s.mu.Unlock()
	if len(s.entries) < len(dst) {
		s.entries = make([]iocp.Entry, len(dst)) // once per ring size
		s.repoll = make([]uint32, len(dst))
	}
	n, err := getQueuedCompletionStatusEx(s.port, s.entries[:len(dst)], millis(timeout))
	if err != nil {
		return 0, os.NewSyscallError("GetQueuedCompletionStatusEx", err)
	}
	if n == 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, repolls := iocp.Decode(dst, s.entries[:n], s.repoll, (*resolver)(s))
	s.repolls = repolls
	return evs, nil
}

// millis converts a timeout to GetQueuedCompletionStatusEx's milliseconds,
// rounding up so that a wait is never shorter than asked.
func millis(d time.Duration) uint32 {
	switch {
	case d < 0:
		return windows.INFINITE
	case d >= (windows.INFINITE-1)*time.Millisecond:
		return windows.INFINITE - 1
	}
	return uint32((d + time.Millisecond - 1) / time.Millisecond)
}

// resolver is the Selector seen by the decoder, for the completions it
// leaves; the caller holds s.mu.
type resolver Selector

func (r *resolver) Posted(key uintptr) (events.Token, uint32, bool) {
	w := r.waker
	if w == nil || key != wakerKey {
		return 0, 0, false
	}
	w.posted.Store(false)
	return w.token, iocp.AFDReceive, true // readable, as mio's waker
}

func (r *resolver) Completed(e *iocp.Entry) (events.Token, uint32, bool) {
	if e.Key == operationKey {
		return (*Selector)(r).ops.complete(e)
	}
	st, ok := r.records.at(&e.Overlapped)
	if !ok {
		return 0, 0, false
	}
	return st.complete()
}

// Close closes the selector. A goroutine blocked in the wait is woken and
// then sees the selector closed; the port is closed when the last user
// leaves. Close is idempotent.
func (s *Selector) Close() error {
	if !s.acquire() {
		return nil
	}
	s.ref.closeWaking(s.wakeForClose)
	s.release()
	return nil
}

// wakeForClose ends a wait in progress: a completion that resolves to no
// event.
func (s *Selector) wakeForClose() {
	_ = windows.PostQueuedCompletionStatus(s.port, 0, closeKey, nil)
}

// abandoned keeps the operations that did not complete while their
// selector was destroyed (on handles that stay open) alive for good, so that
// the kernel never writes to freed memory; AFD polls that ignored their
// cancellation keep their slabs allocated (pollRecords.release).
var abandoned struct {
	sync.Mutex
	ops []*Overlapped
}

func (s *Selector) destroy() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.sockets {
		s.forget(st)
	}
	// Cancel every poll and wait for the cancellations to land: until then
	// the kernel may write to them. Operations on other handles complete
	// into the same port meanwhile.
	_ = windows.CancelIoEx(s.afd, nil)
	s.ops.cancel()
	entries := make([]iocp.Entry, 64)
	for try := 0; s.records.inFlight()+s.ops.pending() > 0 && try < 100; try++ {
		n, err := getQueuedCompletionStatusEx(s.port, entries, 10)
		if err != nil {
			break
		}
		for i := range entries[:n] {
			if e := &entries[i]; e.Key == operationKey {
				s.ops.complete(e)
			} else if st, ok := s.records.at(&e.Overlapped); ok {
				st.complete()
			}
		}
	}
	s.records.release()
	abandoned.Lock()
	abandoned.ops = s.ops.abandon(abandoned.ops)
	abandoned.Unlock()
	windows.CloseHandle(s.afd)
	windows.CloseHandle(s.port)
}

// The completion keys: AFD polls complete with 0, and their OVERLAPPED is
// their record, which the wait's decoder reads (so nothing else may
// complete into the port with key 0 and an OVERLAPPED).
const (
	wakerKey     = 1 // a waker's post
	operationKey = 2 // an Overlapped's completion or post
	closeKey     = 3 // Close's wake-up, which reports nothing
)

// Waker posts a completion to the port. Wakes coalesce: one post is in the
// port at a time, and the wait that dequeues it makes the next Wake post
// again.
type Waker struct {
	sel    *Selector
	token  events.Token
	posted atomic.Bool
	closed atomic.Bool
}

// NewWaker creates the selector's waker, reporting token t.
func (s *Selector) NewWaker(t events.Token) (*Waker, error) {
	if !s.acquire() {
		return nil, ErrClosed
	}
	defer s.release()
	w := &Waker{sel: s, token: t}
	s.mu.Lock()
	s.waker = w
	s.mu.Unlock()
	return w, nil
}

// Wake posts the waker's completion unless one is already waiting.
func (w *Waker) Wake() error {
	if w.closed.Load() || !w.sel.acquire() {
		return ErrClosed
	}
	defer w.sel.release()
	if !w.posted.CompareAndSwap(false, true) {
		return nil
	}
	if err := windows.PostQueuedCompletionStatus(w.sel.port, 0, wakerKey, nil); err != nil {
		w.posted.Store(false)
		return fmt.Errorf("mio: PostQueuedCompletionStatus: %w", err)
	}
	return nil
}

// Close detaches the waker; a post still in the port is dropped.
func (w *Waker) Close() error {
	if !w.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	w.sel.mu.Lock()
	if w.sel.waker == w {
		w.sel.waker = nil
	}
	w.sel.mu.Unlock()
	return nil
}
