//go:build unix

// Package pipe holds the two ends of a Unix pipe as mio sources, as Rust
// mio's unix::pipe does: a Sender to write into and a Receiver to read from,
// both non-blocking, for driving a child process's standard input and output
// from an event loop.
//
// New makes a pipe of its own. To talk to a child, make the pipes with
// os.Pipe, give the child its ends (exec.Cmd's Stdin and Stdout), close
// them in the parent once the child has started, and take the parent's ends
// over with SenderFromFile and ReceiverFromFile.
//
// Write returns mio.ErrWouldBlock when the pipe is full and an error
// matching syscall.EPIPE when every reader is gone; the process is not
// killed by the SIGPIPE the kernel raises with it (Go's runtime ignores that
// signal, and only os.File's writes to standard output and error turn EPIPE
// into death, which these ends do not use; in a c-archive or c-shared build
// the host program's handler decides). Read returns mio.ErrWouldBlock when the pipe is empty and
// (0, io.EOF) when every writer is gone. As with package net, an end is
// owned by one goroutine at a time, and a second Close returns an error
// matching mio.ErrClosed without touching a descriptor the OS has since
// reused. A Sender or Receiver made without New or a FromFile (var s
// Sender) holds no descriptor: it is closed, and every call on it returns an
// error matching mio.ErrClosed.
package pipe

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/ownedfd"
	"github.com/gomio/mio/selector"
	"golang.org/x/sys/unix"
)

// Sender is the write end of a pipe.
type Sender struct{ end }

// Receiver is the read end of a pipe.
type Receiver struct{ end }

// end is the descriptor either end owns. The zero end (a Sender or
// Receiver declared without New or a FromFile) holds none and is closed.
type end struct {
	fd ownedfd.Cell
}

// New returns a non-blocking, close-on-exec pipe: what is written into the
// Sender is read from the Receiver.
func New() (*Sender, *Receiver, error) {
	r, w, err := newPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("mio/pipe: %w", err)
	}
	s, rc := new(Sender), new(Receiver)
	s.fd.Set(w)
	rc.fd.Set(r)
	return s, rc, nil
}

// SenderFromFile takes over f, the write end of a pipe (an os.Pipe end, or
// a FIFO opened for writing), as package net's FromStd constructors take a
// socket over: the Sender owns a non-blocking, close-on-exec duplicate and f
// is closed. A nil file, or one that is not a pipe open for writing, is an
// error (the latter matching syscall.EINVAL) and f is left as it was.
func SenderFromFile(f *os.File) (*Sender, error) {
	fd, err := takeOver(f, true)
	if err != nil {
		return nil, err
	}
	s := new(Sender)
	s.fd.Set(fd)
	return s, nil
}

// ReceiverFromFile takes over f, the read end of a pipe, as SenderFromFile
// takes over a write end.
func ReceiverFromFile(f *os.File) (*Receiver, error) {
	fd, err := takeOver(f, false)
	if err != nil {
		return nil, err
	}
	r := new(Receiver)
	r.fd.Set(fd)
	return r, nil
}

// takeOver checks that f is a pipe open in the direction asked for and, only
// then, duplicates it, makes the duplicate non-blocking and closes f.
func takeOver(f *os.File, write bool) (int, error) {
	if f == nil {
		return -1, fmt.Errorf("mio/pipe: nil file: %w", mio.ErrNilSource)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("mio/pipe: %s: %w", f.Name(), err)
	}
	fd := -1
	var ferr error
	if err := rc.Control(func(s uintptr) {
		if ferr = checkEnd(int(s), write); ferr == nil {
			fd, ferr = ownedfd.DupCloexec(int(s))
		}
	}); err != nil {
		return -1, fmt.Errorf("mio/pipe: %s: %w", f.Name(), err)
	}
	if ferr != nil {
		return -1, fmt.Errorf("mio/pipe: %s: %w", f.Name(), ferr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mio/pipe: %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("mio/pipe: %s: close: %w", f.Name(), err)
	}
	return fd, nil
}

// checkEnd tells whether fd is a pipe (or FIFO) open for writing (write) or
// for reading. FreeBSD's pipes are open both ways at both ends, and pass
// either check.
func checkEnd(fd int, write bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if uint32(st.Mode)&unix.S_IFMT != unix.S_IFIFO {
		return fmt.Errorf("not a pipe (mode %#o): %w", st.Mode, syscall.EINVAL)
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	acc, want, name := fl&unix.O_ACCMODE, unix.O_RDONLY, "reading"
	if write {
		want, name = unix.O_WRONLY, "writing"
	}
	if acc != want && acc != unix.O_RDWR {
		return fmt.Errorf("a pipe end not open for %s: %w", name, syscall.EINVAL)
	}
	return nil
}

// Write writes what the pipe takes, possibly less than len(p):
// mio.ErrWouldBlock when it takes nothing, an error matching syscall.EPIPE
// when every reader is gone. Writes of at most PIPE_BUF bytes are atomic.
func (s *Sender) Write(p []byte) (int, error) { return s.io(p, unix.Write) }

// Read reads what is in the pipe: mio.ErrWouldBlock when it is empty,
// (0, io.EOF) when it is empty and every writer is gone.
func (r *Receiver) Read(p []byte) (int, error) {
	n, err := r.io(p, unix.Read)
	if n == 0 && err == nil && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}

// io makes one read or write, retried when a signal interrupts it (in
// blocking mode); EAGAIN is mio.ErrWouldBlock.
func (e *end) io(p []byte, call func(int, []byte) (int, error)) (int, error) {
	fd, err := e.sysfd()
	if err != nil || len(p) == 0 {
		return 0, err
	}
	selector.Rearm(fd) // for the poll(2) backend, as mio/net's sockets do
	for {
		n, err := call(fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, mio.ErrWouldBlock
		}
		return 0, err
	}
}

func (e *end) sysfd() (int, error) {
	fd := e.fd.Get()
	if fd < 0 {
		return -1, mio.ErrClosed
	}
	return fd, nil
}

// Fd returns the descriptor, or -1 after Close. It stays owned by the end.
func (e *end) Fd() int { return e.fd.Get() }

// Close closes the end. A second Close returns an error matching
// mio.ErrClosed. Closing the last Sender makes the Receiver read io.EOF;
// closing the last Receiver makes the Sender's writes fail with EPIPE.
func (e *end) Close() error {
	fd := e.fd.Take()
	if fd < 0 {
		return mio.ErrClosed
	}
	if err := unix.Close(fd); err != nil {
		return fmt.Errorf("mio/pipe: close: %w", err)
	}
	return nil
}

// SetNonblocking switches the end between non-blocking mode (the default,
// for use with a Poll) and blocking mode, in which Read and Write wait as
// os.File's do, without the runtime poller (a blocked call holds its
// thread). It changes the open pipe itself, which a child given the same end
// would share.
func (e *end) SetNonblocking(on bool) error {
	fd, err := e.sysfd()
	if err != nil {
		return err
	}
	if err := unix.SetNonblock(fd, on); err != nil {
		return fmt.Errorf("mio/pipe: set non-blocking: %w", err)
	}
	return nil
}

// Register implements mio.Source: a Sender is registered for Writable, a
// Receiver for Readable.
func (e *end) Register(r *mio.Registry, t mio.Token, i mio.Interest) error {
	fd, err := e.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	return src.Register(r, t, i)
}

// Reregister implements mio.Source.
func (e *end) Reregister(r *mio.Registry, t mio.Token, i mio.Interest) error {
	fd, err := e.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	return src.Reregister(r, t, i)
}

// Deregister implements mio.Source.
func (e *end) Deregister(r *mio.Registry) error {
	fd, err := e.sysfd()
	if err != nil {
		return err
	}
	src := mio.SourceFd(fd)
	return src.Deregister(r)
}

var (
	_ mio.Source = (*Sender)(nil)
	_ mio.Source = (*Receiver)(nil)
	_ io.Writer  = (*Sender)(nil)
	_ io.Reader  = (*Receiver)(nil)
)
