//go:build unix

package pipe_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gomio/mio"
	"github.com/gomio/mio/internal/testkit"
	"github.com/gomio/mio/pipe"
	"golang.org/x/sys/unix"
)

// childEnv makes the test binary, run again, the child of a test; the mode
// says what it does.
const childEnv = "MIO_PIPE_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "epipe-sender":
		// Standard output has no reader: a Sender over it gets EPIPE.
		s, err := pipe.SenderFromFile(os.Stdout)
		if err != nil {
			os.Exit(5)
		}
		if _, err := s.Write([]byte("nobody")); !errors.Is(err, syscall.EPIPE) {
			os.Exit(4)
		}
		os.Exit(0)
	case "epipe-os":
		// The same write through os.Stdout, which Go turns into death by
		// SIGPIPE: the control that shows the test can fail.
		os.Stdout.Write([]byte("nobody"))
		os.Exit(6)
	}
	os.Exit(m.Run())
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newPoll(t testing.TB) *mio.Poll {
	t.Helper()
	p, err := mio.New()
	must(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

func newPipe(t testing.TB) (*pipe.Sender, *pipe.Receiver) {
	t.Helper()
	s, r, err := pipe.New()
	must(t, err)
	t.Cleanup(func() { s.Close(); r.Close() })
	return s, r
}

// waitFor polls until an event for tok satisfying ok arrives, or 5 s pass.
var waitFor = testkit.WaitFor

var fdFlags = testkit.FdFlags

// A child's standard input and output, driven from one Poll: 1 MiB written
// as the pipe takes it, the child's upper-cased copy (tr) read as it comes,
// the end of input given by closing the Sender, the end of output seen as
// EOF.
func TestChildDrivenOverPoll(t *testing.T) {
	tr, err := exec.LookPath("tr")
	if err != nil {
		t.Skipf("no tr to run as the child: %v", err)
	}
	childIn, in, err := os.Pipe()
	must(t, err)
	out, childOut, err := os.Pipe()
	must(t, err)
	cmd := exec.Command(tr, "a-z", "A-Z")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = childIn, childOut, os.Stderr
	must(t, cmd.Start())
	childIn.Close()
	childOut.Close()
	sender, err := pipe.SenderFromFile(in)
	must(t, err)
	defer sender.Close()
	receiver, err := pipe.ReceiverFromFile(out)
	must(t, err)
	defer receiver.Close()

	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = 'a' + byte(rand.IntN(26))
	}
	p := newPoll(t)
	must(t, p.Registry().Register(sender, 1, mio.Writable))
	must(t, p.Registry().Register(receiver, 2, mio.Readable))
	var got []byte
	buf := make([]byte, 32<<10)
	rest, eof, blocked := data, false, 0
	ev := mio.NewEvents(16)
	deadline := time.Now().Add(20 * time.Second)
	for !eof {
		if time.Now().After(deadline) {
			t.Fatalf("child pipes stalled: %d of %d bytes written, %d read", len(data)-len(rest), len(data), len(got))
		}
		must(t, p.Poll(ev, 100*time.Millisecond))
		for e := range ev.Drain() {
			switch e.Token() {
			case 1:
				for len(rest) > 0 {
					n, err := sender.Write(rest)
					if errors.Is(err, mio.ErrWouldBlock) {
						blocked++
						break
					}
					must(t, err)
					rest = rest[n:]
				}
				if len(rest) == 0 && sender.Fd() >= 0 {
					must(t, p.Registry().Deregister(sender))
					must(t, sender.Close()) // the child reads EOF
				}
			case 2:
				for {
					n, err := receiver.Read(buf)
					got = append(got, buf[:n]...)
					if err == io.EOF {
						eof = true
						break
					}
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					must(t, err)
				}
			}
		}
	}
	must(t, cmd.Wait())
	if !bytes.Equal(got, bytes.ToUpper(data)) {
		t.Fatalf("child gave back %d bytes, not the upper case of the %d sent", len(got), len(data))
	}
	if blocked == 0 {
		t.Fatalf("1 MiB went into the pipe without it ever filling: the test did not test back-pressure")
	}
}

func TestFullPipeWouldBlockThenWritable(t *testing.T) {
	s, r := newPipe(t)
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Writable))
	must(t, p.Registry().Register(r, 2, mio.Readable))
	waitFor(t, p, 1, mio.Event.IsWritable)
	chunk := make([]byte, 4096)
	total := 0
	for {
		n, err := s.Write(chunk)
		if errors.Is(err, mio.ErrWouldBlock) {
			if !errors.Is(err, syscall.EAGAIN) || n != 0 {
				t.Fatalf("full pipe: %d, %v", n, err)
			}
			break
		}
		must(t, err)
		total += n
	}
	if total == 0 {
		t.Fatal("nothing fitted into a new pipe")
	}
	waitFor(t, p, 2, mio.Event.IsReadable)
	read := 0
	for {
		n, err := r.Read(chunk)
		if errors.Is(err, mio.ErrWouldBlock) {
			break
		}
		must(t, err)
		read += n
	}
	if read != total {
		t.Fatalf("read %d of the %d bytes written", read, total)
	}
	waitFor(t, p, 1, mio.Event.IsWritable)
	if _, err := s.Write(chunk); err != nil {
		t.Fatalf("write to a drained pipe: %v", err)
	}
}

func TestEmptyWouldBlockThenEOF(t *testing.T) {
	s, r := newPipe(t)
	buf := make([]byte, 8)
	if n, err := r.Read(buf); !errors.Is(err, mio.ErrWouldBlock) || n != 0 {
		t.Fatalf("empty pipe: %d, %v", n, err)
	}
	p := newPoll(t)
	must(t, p.Registry().Register(r, 1, mio.Readable))
	if _, err := s.Write([]byte("last")); err != nil {
		t.Fatal(err)
	}
	must(t, s.Close())
	waitFor(t, p, 1, mio.Event.IsReadClosed)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "last" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	for range 2 {
		if n, err := r.Read(buf); err != io.EOF || n != 0 {
			t.Fatalf("after the writer closed: %d, %v; want 0, io.EOF", n, err)
		}
	}
}

// The kernel raises SIGPIPE for this write; Go's runtime ignores it, since
// the descriptor is not standard output or error, so the test process lives
// on and sees EPIPE.
func TestWriteWithoutReaderIsEPIPE(t *testing.T) {
	s, r := newPipe(t)
	p := newPoll(t)
	must(t, p.Registry().Register(s, 1, mio.Writable))
	must(t, r.Close())
	waitFor(t, p, 1, mio.Event.IsWriteClosed)
	for range 2 {
		n, err := s.Write([]byte("nobody reads this"))
		if !errors.Is(err, syscall.EPIPE) || n != 0 {
			t.Fatalf("write without a reader: %d, %v; want an error matching EPIPE", n, err)
		}
	}
}

// A child's standard output with no reader, taken over as a Sender: the
// write fails with EPIPE and the child lives on, where os.Stdout's write of
// the same bytes kills it with SIGPIPE.
func TestChildStdoutWithoutReaderIsEPIPE(t *testing.T) {
	for _, mode := range []string{"epipe-sender", "epipe-os"} {
		r, w, err := os.Pipe()
		must(t, err)
		r.Close()
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), childEnv+"="+mode)
		cmd.Stdout, cmd.Stderr = w, os.Stderr
		err = cmd.Run()
		w.Close()
		if errors.Is(err, syscall.ENOEXEC) {
			// Under qemu-user without binfmt_misc, a test binary of another
			// architecture cannot start itself.
			t.Skipf("the test binary cannot run itself here: %v", err)
		}
		var ee *exec.ExitError
		switch {
		case mode == "epipe-sender" && err != nil:
			t.Fatalf("child writing through a Sender: %v", err)
		case mode == "epipe-os" && !errors.As(err, &ee):
			t.Fatalf("control child writing through os.Stdout: %v, want death by SIGPIPE", err)
		case mode == "epipe-os":
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
				t.Fatalf("control child: %v, want death by SIGPIPE", err)
			}
		}
	}
}

func TestFromFileTakesOver(t *testing.T) {
	r, w, err := os.Pipe()
	must(t, err)
	s, err := pipe.SenderFromFile(w)
	must(t, err)
	defer s.Close()
	rc, err := pipe.ReceiverFromFile(r)
	must(t, err)
	defer rc.Close()
	for _, fd := range []int{s.Fd(), rc.Fd()} {
		if fl, fdfl := fdFlags(t, fd); fl&unix.O_NONBLOCK == 0 || fdfl&unix.FD_CLOEXEC == 0 {
			t.Fatalf("taken-over end %d: status %#x, descriptor flags %#x", fd, fl, fdfl)
		}
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("the file taken over still writes: %v", err)
	}
	if _, err := s.Write([]byte("through")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := rc.Read(buf); err != nil || string(buf[:n]) != "through" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
}

func TestFromFileRefusesWhatIsNotAPipeEnd(t *testing.T) {
	if _, err := pipe.SenderFromFile(nil); !errors.Is(err, mio.ErrNilSource) {
		t.Fatalf("nil file: %v", err)
	}
	if _, err := pipe.ReceiverFromFile(nil); !errors.Is(err, mio.ErrNilSource) {
		t.Fatalf("nil file: %v", err)
	}
	regular, err := os.Create(filepath.Join(t.TempDir(), "f"))
	must(t, err)
	defer regular.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	must(t, err)
	unix.Close(fds[1])
	sock := os.NewFile(uintptr(fds[0]), "socket")
	defer sock.Close()
	r, w, err := os.Pipe()
	must(t, err)
	defer r.Close()
	defer w.Close()
	closed, closedW, err := os.Pipe()
	must(t, err)
	closed.Close()
	closedW.Close()

	sender := func(f *os.File) (mio.Source, error) { return nilIfErr(pipe.SenderFromFile(f)) }
	receiver := func(f *os.File) (mio.Source, error) { return nilIfErr(pipe.ReceiverFromFile(f)) }
	type refusal struct {
		name string
		take func(*os.File) (mio.Source, error)
		f    *os.File
		open bool // left open and usable after the refusal
	}
	cases := []refusal{
		{"sender/regular-file", sender, regular, true},
		{"receiver/regular-file", receiver, regular, true},
		{"sender/socket", sender, sock, true},
		{"receiver/socket", receiver, sock, true},
		{"sender/closed", sender, closedW, false},
		{"receiver/closed", receiver, closed, false},
	}
	if pipesOneWay {
		cases = append(cases, refusal{"sender/read-end", sender, r, true}, refusal{"receiver/write-end", receiver, w, true})
	}
	for _, c := range cases {
		src, err := c.take(c.f)
		if err == nil {
			t.Errorf("%s: taken over: %v", c.name, src)
			continue
		}
		if src != nil {
			t.Errorf("%s: a value beside the error %v", c.name, err)
		}
		if c.open {
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("%s: %v, want an error matching EINVAL", c.name, err)
			}
			if _, err := c.f.Stat(); err != nil {
				t.Errorf("%s: the refused file is no longer usable: %v", c.name, err)
			}
		}
	}
	// The refused ends still work as the pipe they were.
	if _, err := w.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "ok" {
		t.Fatalf("refused pipe read %q, %v", buf[:n], err)
	}
}

func nilIfErr[T mio.Source](s T, err error) (mio.Source, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	s, r, err := pipe.New()
	must(t, err)
	must(t, s.Close())
	must(t, r.Close())
	for _, err := range []error{s.Close(), r.Close()} {
		if !errors.Is(err, mio.ErrClosed) {
			t.Fatalf("second Close: %v", err)
		}
	}
	if s.Fd() != -1 || r.Fd() != -1 {
		t.Fatalf("Fd after Close: %d, %d", s.Fd(), r.Fd())
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if err := s.SetNonblocking(false); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("SetNonblocking after Close: %v", err)
	}
	p := newPoll(t)
	if err := p.Registry().Register(r, 1, mio.Readable); !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Register after Close: %v", err)
	}
}

// Every method of an end without its descriptor, closed or a zero value
// declared without New, returns an error matching mio.ErrClosed and never
// panics; a zero end never reaches descriptor 0, standard input.
func TestClosedAndZeroEndsReturnErrClosed(t *testing.T) {
	s, r, err := pipe.New()
	must(t, err)
	must(t, s.Close())
	must(t, r.Close())
	for _, c := range []struct {
		name string
		v    any
	}{
		{"zero Sender", new(pipe.Sender)},
		{"zero Receiver", new(pipe.Receiver)},
		{"closed Sender", s},
		{"closed Receiver", r},
	} {
		t.Run(c.name, func(t *testing.T) { testkit.EveryMethodClosed(t, c.v, nil) })
	}
}

// Empty buffers move nothing, as io.Reader and io.Writer allow: (0, nil),
// not io.EOF from an empty read, and no byte consumed.
func TestEmptyBuffersMoveNothing(t *testing.T) {
	s, r := newPipe(t)
	_, err := s.Write([]byte("x"))
	must(t, err)
	if n, err := s.Write(nil); n != 0 || err != nil {
		t.Errorf("Write(nil): (%d, %v), want (0, nil)", n, err)
	}
	if n, err := r.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil): (%d, %v), want (0, nil)", n, err)
	}
	buf := make([]byte, 8)
	if n, err := r.Read(buf); n != 1 || err != nil || buf[0] != 'x' {
		t.Fatalf("Read after the empty calls: (%d, %v) %q, want the one byte sent", n, err, buf[:n])
	}
}

// In blocking mode a Read waits for data; back in non-blocking mode it
// returns mio.ErrWouldBlock again.
func TestSetNonblocking(t *testing.T) {
	s, r := newPipe(t)
	must(t, r.SetNonblocking(false))
	if fl, _ := fdFlags(t, r.Fd()); fl&unix.O_NONBLOCK != 0 {
		t.Fatalf("still non-blocking: %#x", fl)
	}
	got := make(chan string)
	go func() {
		buf := make([]byte, 8)
		n, err := r.Read(buf) // blocks until the write below
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf[:n])
	}()
	if _, err := s.Write([]byte("wake")); err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != "wake" {
		t.Fatalf("blocking read: %q", g)
	}
	must(t, r.SetNonblocking(true))
	if _, err := r.Read(make([]byte, 8)); !errors.Is(err, mio.ErrWouldBlock) {
		t.Fatalf("non-blocking again: %v", err)
	}
}

func TestIOAllocatesNothing(t *testing.T) {
	s, r := newPipe(t)
	buf := make([]byte, 1)
	cases := []struct {
		name string
		f    func()
	}{
		{"Write", func() { s.Write(buf) }},
		{"Read", func() { r.Read(buf) }},
		{"Read (would block)", func() { r.Read(buf) }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(100, c.f); a != 0 {
			t.Errorf("%s: %v allocations", c.name, a)
		}
	}
}
