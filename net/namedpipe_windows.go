package net

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/gomio/mio"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/windows"
)

// A named pipe does not report readiness: its reads and writes are
// overlapped operations, and readiness is made of their completions, as
// mio's NamedPipe makes it. A read is kept in flight into a buffer the pipe
// owns, and readable means that buffer holds data (or the error the read
// ended with); a write copies into a buffer the pipe owns and completes
// later, and writable means that buffer is free again. The selector keeps
// each operation's OVERLAPPED, and through it the pipe and its buffers,
// referenced until the operation's completion has been dequeued, whatever
// the program does meanwhile (Close included).

// pipeBufferSize is the size of a pipe's read and write buffers and of the
// kernel's buffers of a pipe NewNamedPipe creates.
const pipeBufferSize = 64 << 10

// The states of a pipe's read and of its write.
const (
	opIdle    = iota // none in flight, nothing kept
	opPending        // in flight
	opDone           // read: data (or err) waiting for Read; write: err waiting for Write
)

// NamedPipe is one end of a Windows named pipe, non-blocking in mio's
// sense: Read and Write return mio.ErrWouldBlock instead of waiting, and a
// registered pipe reports Readable when data has arrived and Writable when
// it can take more. A server end comes from NewNamedPipe, a client end
// from NamedPipeFromHandle; a NamedPipe declared without them holds no
// handle and is closed (every call returns mio.ErrClosed).
//
// A pipe does its I/O through the Poll it is registered with, so Connect,
// Read and Write need a registration: before Register (and after
// Deregister) they return an error that matches mio.ErrWouldBlock, as
// mio's NamedPipe would block there, and mio.ErrNotRegistered, which tells
// why no event will come. A pipe stays
// tied to the first Poll it was registered with.
type NamedPipe struct {
	mu sync.Mutex
	h  windows.Handle // 0 (no handle is NULL) in the zero pipe and once closed

	sel        *selector.Selector // the port h is associated with, for good
	registered bool
	token      mio.Token
	interest   mio.Interest
	connected  bool // a client is connected (always true for a client end)
	connecting bool
	connectErr error
	// gen counts disconnections: an operation started before the last
	// one completes with nothing to report.
	gen uint64

	readState  int
	readGen    uint64
	readBuf    []byte
	readPos    int // readBuf[readPos:readEnd] waits for Read
	readEnd    int
	readErr    error
	writeState int
	writeGen   uint64
	writeBuf   []byte
	writePos   int // writeBuf[writePos:writeEnd] is still to be written
	writeEnd   int
	writeErr   error
	posted     mio.Interest // readiness to report through eventOp
	postQueued bool

	connectOp, readOp, writeOp, eventOp *selector.Overlapped
}

// NewNamedPipe creates the server end of the named pipe \\.\pipe\name (a
// name that already starts with \\.\pipe\ is taken as it is): a duplex
// byte-stream pipe, not inheritable. As mio's, it is the pipe's first
// instance: a second NewNamedPipe with the same name fails (ERROR_ACCESS_DENIED)
// while this one is open, so that no other process can have created it.
// Register it, then call Connect to wait for a client.
func NewNamedPipe(name string) (*NamedPipe, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return nil, fmt.Errorf("mio/net: named pipe %q: %w", name, windows.ERROR_INVALID_NAME)
	}
	const prefix = `\\.\pipe\`
	if !strings.HasPrefix(name, prefix) {
		name = prefix + name
	}
	u, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, fmt.Errorf("mio/net: named pipe %q: %w", name, err)
	}
	h, err := windows.CreateNamedPipe(u,
		windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_FIRST_PIPE_INSTANCE|windows.FILE_FLAG_OVERLAPPED,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		windows.PIPE_UNLIMITED_INSTANCES, pipeBufferSize, pipeBufferSize, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("mio/net: CreateNamedPipe %s: %w", name, err)
	}
	return newNamedPipe(h, false), nil
}

// NamedPipeFromHandle takes ownership of h, an end of a named pipe opened
// for overlapped I/O (CreateFile with FILE_FLAG_OVERLAPPED, the way a
// client opens one, or CreateNamedPipe with it); it is taken to be
// connected. A handle that is not a pipe is an error matching
// syscall.EINVAL (windows.ERROR_INVALID_PARAMETER), and is left open.
// Without FILE_FLAG_OVERLAPPED the pipe's I/O would block, which cannot be
// checked: the handle's operations would complete at once, in the call.
func NamedPipeFromHandle(h uintptr) (*NamedPipe, error) {
	t, err := windows.GetFileType(windows.Handle(h))
	if err != nil {
		return nil, fmt.Errorf("mio/net: named pipe from handle: %w", err)
	}
	if t != windows.FILE_TYPE_PIPE {
		return nil, fmt.Errorf("mio/net: named pipe from handle: not a pipe: %w", windows.ERROR_INVALID_PARAMETER)
	}
	return newNamedPipe(windows.Handle(h), true), nil
}

func newNamedPipe(h windows.Handle, connected bool) *NamedPipe {
	p := &NamedPipe{h: h, connected: connected}
	p.connectOp = selector.NewOverlapped(p.connectDone)
	p.readOp = selector.NewOverlapped(p.readDone)
	p.writeOp = selector.NewOverlapped(p.writeDone)
	p.eventOp = selector.NewOverlapped(p.eventDone)
	return p
}

// Fd returns the pipe's handle, owned by the pipe still; windows.InvalidHandle
// (INVALID_HANDLE_VALUE) once there is none: after Close, and for a zero
// NamedPipe, which holds none and is closed.
func (p *NamedPipe) Fd() uintptr {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == 0 {
		return uintptr(windows.InvalidHandle)
	}
	return uintptr(p.h)
}

// Connect waits for a client on a server end: nil once one is connected,
// mio.ErrWouldBlock while it waits. The connection is reported as a
// Writable event; then TakeError tells whether it succeeded. The pipe must
// be registered first (see NamedPipe: the error then matches both
// mio.ErrWouldBlock and mio.ErrNotRegistered).
func (p *NamedPipe) Connect() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usableForIO(); err != nil {
		return err
	}
	switch {
	case p.connecting:
		return mio.ErrWouldBlock
	case p.connected:
		return nil
	}
	ov, err := p.sel.Start(uintptr(p.h), p.connectOp)
	if err != nil {
		return err
	}
	switch err := windows.ConnectNamedPipe(p.h, ov); err {
	case nil, windows.ERROR_IO_PENDING:
		p.connecting = true // the completion reports it
		return mio.ErrWouldBlock
	case windows.ERROR_PIPE_CONNECTED: // a client came before the call
		p.sel.Abort(p.connectOp)
		p.connected = true
		p.notify(p.startIO())
		return nil
	default:
		p.sel.Abort(p.connectOp)
		return fmt.Errorf("mio/net: ConnectNamedPipe: %w", err)
	}
}

// Disconnect ends the connection of a server end with its client, whose
// unread data is lost (DisconnectNamedPipe); Connect can then wait for the
// next client. Operations still in flight complete with nothing to report.
func (p *NamedPipe) Disconnect() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	if err := windows.DisconnectNamedPipe(p.h); err != nil {
		return fmt.Errorf("mio/net: DisconnectNamedPipe: %w", err)
	}
	p.gen++
	p.connected = false
	if p.readState == opDone {
		p.readState = opIdle
	}
	if p.writeState == opDone {
		p.writeState = opIdle
	}
	return nil
}

// Read copies what the pipe's read buffer holds into b: mio.ErrWouldBlock
// when it holds nothing yet, (0, io.EOF) once the other end has closed.
// Draining the buffer starts the next read. Before Register it returns an
// error matching both mio.ErrWouldBlock and mio.ErrNotRegistered.
func (p *NamedPipe) Read(b []byte) (int, error) {
	if err := p.lockForIO(); err != nil {
		return 0, err
	}
	defer p.mu.Unlock()
	if p.readState == opIdle {
		p.startRead() // a read that fails at once is reported here
	}
	if p.readState != opDone {
		return 0, mio.ErrWouldBlock
	}
	if err := p.readErr; err != nil {
		p.readErr = nil
		p.readState = opIdle
		if err == windows.ERROR_BROKEN_PIPE {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("mio/net: read named pipe: %w", err)
	}
	if len(b) == 0 {
		return 0, nil
	}
	n := copy(b, p.readBuf[p.readPos:p.readEnd])
	if p.readPos += n; p.readPos == p.readEnd {
		p.readState = opIdle
		p.notify(p.startRead())
	}
	return n, nil
}

// Write copies as much of b as the pipe's write buffer takes (64 KiB) and
// starts writing it: it returns how much it took, mio.ErrWouldBlock while
// an earlier write is still in flight, and the error a write in flight
// ended with (windows.ERROR_NO_DATA once the other end has closed). Before
// Register it returns an error matching both mio.ErrWouldBlock and
// mio.ErrNotRegistered.
func (p *NamedPipe) Write(b []byte) (int, error) {
	if err := p.lockForIO(); err != nil {
		return 0, err
	}
	defer p.mu.Unlock()
	switch p.writeState {
	case opPending:
		return 0, mio.ErrWouldBlock
	case opDone:
		err := p.writeErr
		p.writeErr = nil
		p.writeState = opIdle
		return 0, fmt.Errorf("mio/net: write named pipe: %w", err)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if p.writeBuf == nil {
		p.writeBuf = make([]byte, pipeBufferSize)
	}
	n := copy(p.writeBuf, b)
	p.writePos, p.writeEnd = 0, n
	if err := p.startWrite(); err != nil {
		p.writeState = opIdle
		return 0, fmt.Errorf("mio/net: write named pipe: %w", err)
	}
	return n, nil
}

// TakeError returns the error the last Connect ended with, once, or nil;
// mio.ErrClosed on a closed pipe.
func (p *NamedPipe) TakeError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	err := p.connectErr
	p.connectErr = nil
	if err != nil {
		return fmt.Errorf("mio/net: connect named pipe: %w", err)
	}
	return nil
}

// Close cancels the pipe's operations in flight and closes its handle. A
// second Close returns an error matching mio.ErrClosed. The buffers of the
// cancelled operations stay alive until their completions are dequeued by
// the Poll.
func (p *NamedPipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	h := p.h
	p.h = 0
	p.registered = false
	_ = windows.CancelIoEx(h, nil)
	if err := windows.CloseHandle(h); err != nil {
		return fmt.Errorf("mio/net: close named pipe: %w", err)
	}
	return nil
}

// Register implements mio.Source. Interest Readable and Writable are what a
// pipe reports. The first registration ties the pipe to r's Poll for good:
// registering with another one later is an error.
func (p *NamedPipe) Register(r *mio.Registry, t mio.Token, i mio.Interest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	sel := r.Selector()
	if sel == nil {
		return mio.ErrNilRegistry
	}
	if p.registered {
		return mio.ErrAlreadyRegistered
	}
	switch {
	case p.sel == nil:
		if err := sel.Associate(uintptr(p.h)); err != nil {
			return err
		}
		p.sel = sel
	case p.sel != sel:
		return fmt.Errorf("mio/net: named pipe is tied to another Poll: %w", mio.ErrAlreadyRegistered)
	}
	p.registered, p.token, p.interest = true, t, i
	p.notify(p.startIO())
	return nil
}

// Reregister implements mio.Source.
func (p *NamedPipe) Reregister(r *mio.Registry, t mio.Token, i mio.Interest) error {
	if err := p.registeredWith(r); err != nil {
		return err
	}
	p.token, p.interest = t, i
	p.notify(p.startIO())
	p.mu.Unlock()
	return nil
}

// Deregister implements mio.Source. Operations in flight go on; their
// completions report nothing until the pipe is registered again.
func (p *NamedPipe) Deregister(r *mio.Registry) error {
	if err := p.registeredWith(r); err != nil {
		return err
	}
	p.registered = false
	p.mu.Unlock()
	return nil
}

// registeredWith locks p if it is registered with r's Poll; otherwise it
// returns why not (closed first, as the sockets do), unlocked.
func (p *NamedPipe) registeredWith(r *mio.Registry) error {
	p.mu.Lock()
	err := p.usable()
	if err == nil {
		if sel := r.Selector(); sel == nil {
			err = mio.ErrNilRegistry
		} else if !p.registered || p.sel != sel {
			err = mio.ErrNotRegistered
		}
	}
	if err != nil {
		p.mu.Unlock()
	}
	return err
}

// lockForIO locks p for Read or Write, or returns, unlocked, why it
// cannot do them (see usableForIO).
func (p *NamedPipe) lockForIO() error {
	p.mu.Lock()
	err := p.usableForIO()
	if err != nil {
		p.mu.Unlock()
	}
	return err
}

// errPipeNotRegistered is what Connect, Read and Write return before
// Register: they would block, as mio's do there, and no event will end the
// wait until the pipe is registered.
var errPipeNotRegistered = fmt.Errorf("mio/net: named pipe: %w until registered: %w", mio.ErrWouldBlock, mio.ErrNotRegistered)

// usable is ErrClosed after Close and for the zero pipe. The caller holds
// p.mu.
func (p *NamedPipe) usable() error {
	if p.h == 0 {
		return mio.ErrClosed
	}
	return nil
}

// usableForIO is usable, then errPipeNotRegistered while p is not
// registered: its I/O goes through the Poll. The caller holds p.mu.
func (p *NamedPipe) usableForIO() error {
	if err := p.usable(); err != nil {
		return err
	}
	if !p.registered {
		return errPipeNotRegistered
	}
	return nil
}

// startIO is what a connection or a registration starts, as mio's
// post_register: a read, and a Writable event if no write is in flight.
// It returns the readiness to report. The caller holds p.mu.
func (p *NamedPipe) startIO() mio.Interest {
	ready := p.startRead()
	if p.connected && p.writeState == opIdle {
		ready = ready.Add(mio.Writable)
	}
	return ready
}

// startRead starts a read into the read buffer when none is in flight or
// waiting for Read, and returns Readable if it failed at once (the error
// then waits for Read). Reads start only on a connected, registered pipe.
// The caller holds p.mu.
func (p *NamedPipe) startRead() mio.Interest {
	if p.readState != opIdle || !p.connected || !p.registered {
		return 0
	}
	if p.readBuf == nil {
		p.readBuf = make([]byte, pipeBufferSize)
	}
	ov, err := p.sel.Start(uintptr(p.h), p.readOp)
	if err != nil {
		return 0 // the Poll is closed: nothing will be reported again
	}
	p.readGen = p.gen
	switch err := windows.ReadFile(p.h, p.readBuf, nil, ov); err {
	case nil, windows.ERROR_IO_PENDING, windows.ERROR_MORE_DATA:
		p.readState = opPending // the completion comes through the port
		return 0
	case windows.ERROR_PIPE_LISTENING: // no client yet: Connect starts the read
		p.sel.Abort(p.readOp)
		return 0
	default:
		p.sel.Abort(p.readOp)
		p.readState, p.readErr = opDone, err
		return mio.Readable
	}
}

// startWrite writes writeBuf[writePos:writeEnd]. The caller holds p.mu.
func (p *NamedPipe) startWrite() error {
	ov, err := p.sel.Start(uintptr(p.h), p.writeOp)
	if err != nil {
		return err
	}
	p.writeGen = p.gen
	switch err := windows.WriteFile(p.h, p.writeBuf[p.writePos:p.writeEnd], nil, ov); err {
	case nil, windows.ERROR_IO_PENDING:
		p.writeState = opPending
		return nil
	default:
		p.sel.Abort(p.writeOp)
		return err
	}
}

// notify reports ready through a posted completion, from outside Wait:
// readiness found while starting an operation, not by a completion. The
// caller holds p.mu.
func (p *NamedPipe) notify(ready mio.Interest) {
	if ready == 0 || !p.registered {
		return
	}
	p.posted |= ready
	if p.postQueued {
		return
	}
	if err := p.sel.Post(p.eventOp); err == nil {
		p.postQueued = true
	}
}

// report is the event a completion yields: ready, if the pipe is
// registered for it. The caller holds p.mu.
func (p *NamedPipe) report(ready mio.Interest) (mio.Token, mio.Interest, bool) {
	if !p.registered || p.h == 0 {
		return 0, 0, false
	}
	ready &= p.interest
	return p.token, ready, ready != 0
}

// The completion functions, called inside the Poll's wait.

func (p *NamedPipe) connectDone(_ uint32, err error) (mio.Token, mio.Interest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.connecting = false
	if p.h == 0 {
		return 0, 0, false
	}
	if err != nil {
		p.connectErr = err
		return p.report(mio.Writable)
	}
	p.connected = true
	return p.report(p.startIO().Add(mio.Writable))
}

func (p *NamedPipe) readDone(n uint32, err error) (mio.Token, mio.Interest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readState = opIdle
	if p.h == 0 {
		return 0, 0, false
	}
	if p.readGen != p.gen { // started before a Disconnect
		return p.report(p.startRead())
	}
	switch {
	case err == nil || err == windows.ERROR_MORE_DATA:
		if n == 0 {
			return p.report(p.startRead()) // a zero-length message: nothing to read
		}
		p.readPos, p.readEnd = 0, int(n)
	case err == windows.ERROR_OPERATION_ABORTED:
		return 0, 0, false // cancelled
	default:
		p.readErr = err
	}
	p.readState = opDone
	return p.report(mio.Readable)
}

func (p *NamedPipe) writeDone(n uint32, err error) (mio.Token, mio.Interest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writeState = opIdle
	if p.h == 0 || p.writeGen != p.gen {
		return 0, 0, false
	}
	if err == nil {
		if p.writePos += int(n); p.writePos < p.writeEnd {
			if err = p.startWrite(); err == nil {
				return 0, 0, false // the rest is in flight
			}
		} else {
			return p.report(mio.Writable)
		}
	}
	p.writeState, p.writeErr = opDone, err
	return p.report(mio.Writable)
}

func (p *NamedPipe) eventDone(uint32, error) (mio.Token, mio.Interest, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ready := p.posted
	p.posted, p.postQueued = 0, false
	return p.report(ready)
}

var _ mio.Source = (*NamedPipe)(nil)
