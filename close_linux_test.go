//go:build linux

package mio_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// finishWithin fails the test when done is not closed within d: a test of a
// hang must end, and say what hung, instead of running into the go test
// timeout.
func finishWithin(t *testing.T, d time.Duration, done <-chan struct{}, what string) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
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
	const rounds = 5000
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(done)
		for range rounds {
			if err := registerRacingClose(); err != nil {
				errs <- err
				return
			}
		}
	}()
	finishWithin(t, 60*time.Second, done, "Register in one Poll racing Close of the descriptor's previous Poll")
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
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
