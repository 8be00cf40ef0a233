package selector

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/internal/iocp"
	"golang.org/x/sys/windows"
)

// Completion-based handles (named pipes, files) are not polled for
// readiness: their reads and writes are overlapped operations that complete
// into the selector's port, and a readiness source built on them (as mio's
// NamedPipe) reports an event when one completes. Such a source associates
// its handle with the selector (Associate), starts each operation with an
// Overlapped the selector tracks (Start), and turns each completion into an
// event in the function it gave NewOverlapped, which Wait calls.
//
// The kernel writes to an operation's OVERLAPPED and buffer until the
// operation completes, whatever the program does in the meantime. The
// selector keeps every Overlapped in flight referenced until its completion
// has been dequeued (for good if the port is closed first), so an Overlapped
// and what its function refers to, such as the operation's buffer, stay
// alive: the Go heap does not move objects, it only frees unreferenced ones.

// Overlapped is the OVERLAPPED of operations on a handle associated with a
// Selector, with the function that turns each of their completions into
// an event. Use one Overlapped per kind of operation in flight (one for a
// pipe's reads, one for its writes), and one for Post.
type Overlapped struct {
	raw  windows.Overlapped // first: the address given to the kernel
	done func(bytes uint32, err error) (events.Token, events.Interest, bool)
	h    windows.Handle // the handle of the operation in flight, 0 for posts only
	n    int            // completions to come; guarded by the selector's operations
}

// NewOverlapped returns an Overlapped whose completions call done, in the
// goroutine inside Wait, with the bytes transferred and the operation's
// error (nil on success, a syscall.Errno such as ERROR_BROKEN_PIPE or
// ERROR_OPERATION_ABORTED otherwise). done reports an event by returning
// its token, its readiness (Readable and/or Writable) and true. It may call
// Start and Post, and must not call the selector's Register family.
func NewOverlapped(done func(bytes uint32, err error) (t events.Token, ready events.Interest, report bool)) *Overlapped {
	return &Overlapped{done: done}
}

// Associate makes the overlapped operations of the handle h (opened for
// overlapped I/O) complete into Wait. A handle is associated with one port
// for its lifetime, which Windows enforces.
func (s *Selector) Associate(h uintptr) error {
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	if _, err := windows.CreateIoCompletionPort(windows.Handle(h), s.port, operationKey, 0); err != nil {
		return fmt.Errorf("mio: associate handle with the port: %w", err)
	}
	return nil
}

// Start records that an operation on the associated handle h is about to
// start with o, and returns the OVERLAPPED to start it with (ReadFile,
// WriteFile, ConnectNamedPipe...). Call it before starting the operation,
// so that a completion that comes at once finds o; if the operation fails
// at once (anything but success or ERROR_IO_PENDING), no completion will
// come: call Abort. It returns ErrClosed once s is closed.
func (s *Selector) Start(h uintptr, o *Overlapped) (*windows.Overlapped, error) {
	if !s.acquire() {
		return nil, ErrClosed
	}
	defer s.release()
	o.raw = windows.Overlapped{}
	s.ops.add(o, windows.Handle(h))
	return &o.raw, nil
}

// Abort forgets the operation Start recorded with o, which failed to start.
func (s *Selector) Abort(o *Overlapped) { s.ops.remove(o) }

// Post queues a completion of o now, with no bytes and no error, so that
// its function reports an event in the next Wait: for readiness a source
// has without an operation completing (registered while data is already
// buffered, a write accepted into its buffer). Each Post calls o's
// function once.
func (s *Selector) Post(o *Overlapped) error {
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	s.ops.add(o, 0)
	if err := windows.PostQueuedCompletionStatus(s.port, 0, operationKey, &o.raw); err != nil {
		s.ops.remove(o)
		return fmt.Errorf("mio: PostQueuedCompletionStatus: %w", err)
	}
	return nil
}

// operations is the table of Overlapped in flight, by address. Its lock is
// a leaf: a source takes it (through Start) while holding its own lock, and
// Wait calls a source's function, which takes the source's lock, outside it.
type operations struct {
	mu sync.Mutex
	m  map[uintptr]*Overlapped
}

func (t *operations) add(o *Overlapped, h windows.Handle) {
	t.mu.Lock()
	if h != 0 {
		o.h = h
	}
	o.n++
	t.m[uintptr(unsafe.Pointer(&o.raw))] = o
	t.mu.Unlock()
}

func (t *operations) remove(o *Overlapped) {
	t.mu.Lock()
	t.drop(o, uintptr(unsafe.Pointer(&o.raw)))
	t.mu.Unlock()
}

// drop counts one completion of o off. The caller holds t.mu.
func (t *operations) drop(o *Overlapped, key uintptr) {
	if o.n--; o.n == 0 {
		o.h = 0
		delete(t.m, key)
	}
}

// complete resolves the completion e of an Overlapped through its function
// and returns the token and the AFD bits of the readiness it reports.
func (t *operations) complete(e *iocp.Entry) (events.Token, uint32, bool) {
	t.mu.Lock()
	o := t.m[e.Overlapped]
	if o == nil {
		t.mu.Unlock()
		return 0, 0, false
	}
	t.drop(o, e.Overlapped)
	t.mu.Unlock()
	var err error
	if st := windows.NTStatus(o.raw.Internal); st != windows.STATUS_SUCCESS {
		err = syscall.Errno(st.Errno())
	}
	tok, ready, ok := o.done(e.Bytes, err)
	if !ok {
		return 0, 0, false
	}
	var afd uint32
	if ready.IsReadable() {
		afd |= iocp.AFDReceive
	}
	if ready.IsWritable() {
		afd |= iocp.AFDSend
	}
	return tok, afd, afd != 0
}

// pending counts the operations in flight.
func (t *operations) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// cancel asks the kernel to end every operation in flight; their
// completions still come.
func (t *operations) cancel() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range t.m {
		if o.h != 0 {
			_ = windows.CancelIoEx(o.h, &o.raw)
		}
	}
}

// abandon appends every Overlapped still in flight to keep and empties the
// table: their completions will never be dequeued.
func (t *operations) abandon(keep []*Overlapped) []*Overlapped {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, o := range t.m {
		keep = append(keep, o)
		delete(t.m, k)
	}
	return keep
}
