//go:build linux && !mio_poll

package mio_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// raceRounds runs round rounds times on another goroutine and fails the
// test at the first error, or when the rounds are not done within d: a test
// of a hang must end, and say what hung, instead of running into the go
// test timeout.
func raceRounds(t *testing.T, rounds int, d time.Duration, what string, round func(i int) error) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for i := range rounds {
			if err := round(i); err != nil {
				done <- fmt.Errorf("round %d: %w", i, err)
				return
			}
		}
		done <- nil
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-timer.C:
		t.Fatalf("%s: still not done after %v (deadlock)", what, d)
	}
}

// A descriptor registered in one Poll is registered in a second one while
// the first is closed. Register on the second asks the first whether it
// still holds the descriptor; the first's Close may land in the middle of
// that question, and its destruction must not need anything the question
// holds.
func TestRegisterRacingCloseOfPreviousOwner(t *testing.T) {
	raceRounds(t, 5000, 60*time.Second, "Register in one Poll racing Close of the descriptor's previous Poll",
		func(int) error { return registerRacingClose() })
}

func registerRacingClose() error {
	first, err := mio.New()
	if err != nil {
		return err
	}
	second, err := mio.New()
	if err != nil {
		first.Close()
		return err
	}
	defer second.Close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		first.Close()
		return err
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	fd := mio.SourceFd(fds[0])
	if err := first.Registry().Register(&fd, 1, mio.Readable); err != nil {
		first.Close()
		return err
	}
	var wg sync.WaitGroup
	var regErr error
	wg.Add(2)
	go func() { defer wg.Done(); first.Close() }()
	go func() { defer wg.Done(); regErr = second.Registry().Register(&fd, 2, mio.Readable) }()
	wg.Wait()
	// The first Poll may or may not have been closed when the second asked:
	// both answers are right, nothing else is.
	if regErr != nil && !errors.Is(regErr, mio.ErrAlreadyRegistered) {
		return regErr
	}
	return nil
}

// Close wakes a Poll blocked without a timeout even when the process has no
// descriptor to spare, which is when a server in trouble closes things: what
// wakes the wait must exist before Close needs it.
func TestCloseWakesBlockedPollWithoutSpareDescriptors(t *testing.T) {
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	ev := mio.NewEvents(4)
	tid := make(chan int)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tid <- unix.Gettid()
		done <- p.Poll(ev, -1)
	}()
	waitInEpoll(t, <-tid)

	fillers := exhaustDescriptors(t)
	err = p.Close()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		err = errors.New("still blocked 10s after Close")
	}
	for _, fd := range fillers {
		unix.Close(fd)
	}
	if !errors.Is(err, mio.ErrClosed) {
		t.Fatalf("Poll blocked when the descriptors ran out, then Close: %v, want ErrClosed", err)
	}
}

// waitInEpoll returns once thread tid is blocked in an epoll wait, as the
// kernel reports in /proc: a wait on the real state, not a guess at how long
// getting there takes. The kernel function it sleeps in (wchan) is asked
// first, since an emulator's thread makes the host's syscall numbers, then
// the syscall number, where wchan is hidden.
func waitInEpoll(t *testing.T, tid int) {
	t.Helper()
	dir := fmt.Sprintf("/proc/self/task/%d/", tid)
	nr := fmt.Sprintf("%d ", unix.SYS_EPOLL_PWAIT)
	ppoll := fmt.Sprintf("%d ", unix.SYS_PPOLL) // the poll(2) backend's (-tags mio_poll)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		wchan, _ := os.ReadFile(dir + "wchan")
		call, _ := os.ReadFile(dir + "syscall")
		if strings.Contains(string(wchan), "poll") || strings.HasPrefix(string(call), nr) || strings.HasPrefix(string(call), ppoll) {
			return
		}
	}
	t.Fatalf("thread %d never blocked in an epoll wait", tid)
}

// exhaustDescriptors lowers RLIMIT_NOFILE to just above the highest
// descriptor in use and fills the holes below it, so that creating any
// descriptor fails with EMFILE. It returns the fillers, to be closed by the
// caller; the limit is restored when the test ends.
func exhaustDescriptors(t *testing.T) []int {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { null.Close() })
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	highest := 0
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			highest = max(highest, fd)
		}
	}
	low := old
	low.Cur = uint64(highest + 1)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
	var fillers []int
	for {
		fd, err := unix.Dup(int(null.Fd()))
		if err == unix.EMFILE {
			return fillers
		}
		if err != nil {
			t.Fatal(err)
		}
		fillers = append(fillers, fd)
	}
}

// Close racing a Poll in progress never lets that Poll wait on a descriptor
// that the OS has since given to someone else. Each round closes a Poll
// while a goroutine polls it (zero-timeout loops, blocking waits, short
// timeouts), then at once creates a second Poll, which takes the first's
// descriptor number if it was freed, with an edge already pending. A wait of
// the first Poll on that number would consume the edge, which the second
// Poll then never sees. No descriptor may be left behind either.
func TestCloseRacingPollNeverWaitsOnReusedDescriptor(t *testing.T) {
	rounds := 3000
	if testing.Short() || raceEnabled {
		rounds = 500
	}
	before := openDescriptors(t)
	raceRounds(t, rounds, 60*time.Second, "Close racing Poll",
		func(i int) error { return closeRacingPoll(i % 3) })
	if after := openDescriptors(t); after != before {
		t.Fatalf("%d descriptors open before the rounds, %d after", before, after)
	}
}

func closeRacingPoll(mode int) error {
	first, err := mio.New()
	if err != nil {
		return err
	}
	polled := make(chan error, 1)
	polling := make(chan struct{})
	go func() {
		ev := mio.NewEvents(8)
		timeout := [...]time.Duration{0, -1, time.Millisecond}[mode]
		for i := 0; ; i++ {
			if i == 1 || timeout < 0 {
				// Close lands in the loop, or on the way into a
				// blocking wait, not before the goroutine has started.
				close(polling)
			}
			if err := first.Poll(ev, timeout); err != nil {
				polled <- err
				return
			}
			if !ev.IsEmpty() {
				polled <- fmt.Errorf("a Poll with nothing registered reported %d events", ev.Len())
				return
			}
		}
	}()
	<-polling
	first.Close()

	second, err := mio.New()
	if err != nil {
		return err
	}
	defer second.Close()
	efd, err := unix.Eventfd(1, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(efd)
	src := mio.SourceFd(efd)
	if err := second.Registry().Register(&src, 7, mio.Readable); err != nil {
		return err
	}
	if err := <-polled; !errors.Is(err, mio.ErrClosed) {
		return fmt.Errorf("the closed Poll returned %v, want ErrClosed", err)
	}
	ev := mio.NewEvents(8)
	if err := second.Poll(ev, 0); err != nil {
		return err
	}
	if e, ok := ev.Pop(); !ok || e.Token() != 7 {
		return errors.New("the second Poll's pending edge is gone: the closed Poll waited on its descriptor")
	}
	return nil
}

func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
