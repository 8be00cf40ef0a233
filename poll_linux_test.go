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

func TestEdgeTriggeredRearmsOnlyOnNewReadiness(t *testing.T) {
	p := newPoll(t)
	a, b := socketPair(t)
	register(t, p, a, 7, mio.Readable)
	ev := mio.NewEvents(8)

	if got := pollAll(t, p, ev, 0); len(got) != 0 {
		t.Fatalf("events before any data: %v", got)
	}
	unix.Write(b, []byte("hello"))
	e := expectEvent(t, p, ev, 7)
	if !e.IsReadable() || e.IsWritable() {
		t.Fatalf("want readable only, got %v", e)
	}
	// Data is still unread: level-triggered would report it again, edge-
	// triggered must not.
	if got := pollAll(t, p, ev, 20*time.Millisecond); len(got) != 0 {
		t.Fatalf("edge reported twice without new data: %v", got)
	}
	if n := drain(t, a); n != 5 {
		t.Fatalf("drained %d bytes, want 5", n)
	}
	unix.Write(b, []byte("again"))
	expectEvent(t, p, ev, 7)
}

func TestRegisterDuringBlockingPollIsSeen(t *testing.T) {
	p := newPoll(t)
	done := pollOnceInBackground(t, p)
	register(t, p, eventFd(t, true), 42, mio.Readable)
	got := <-done
	if len(got) != 1 || got[0].Token() != 42 || !got[0].IsReadable() {
		t.Fatalf("got %v, want one readable event for token 42", got)
	}
}

func TestDeregisteredTokenNeverReturns(t *testing.T) {
	p := newPoll(t)
	a, b := socketPair(t)
	register(t, p, a, 1, mio.Readable|mio.Writable)
	s := mio.SourceFd(a)
	if err := p.Registry().Deregister(&s); err != nil {
		t.Fatal(err)
	}
	unix.Write(b, []byte("x"))
	other := eventFd(t, true)
	register(t, p, other, 2, mio.Readable)
	ev := mio.NewEvents(8)
	for range 3 {
		for _, e := range pollAll(t, p, ev, 20*time.Millisecond) {
			if e.Token() == 1 {
				t.Fatalf("event for a deregistered token: %v", e)
			}
		}
	}
	if err := p.Registry().Deregister(&s); !errors.Is(err, mio.ErrNotRegistered) {
		t.Fatalf("second deregister: %v, want ErrNotRegistered", err)
	}
}

func TestDoubleRegister(t *testing.T) {
	p, q := newPoll(t), newPoll(t)
	fd := eventFd(t, false)
	register(t, p, fd, 1, mio.Readable)
	s := mio.SourceFd(fd)
	if err := p.Registry().Register(&s, 2, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("same poll: %v, want ErrAlreadyRegistered", err)
	}
	if err := q.Registry().Register(&s, 3, mio.Readable); !errors.Is(err, mio.ErrAlreadyRegistered) {
		t.Fatalf("second poll: %v, want ErrAlreadyRegistered", err)
	}
	if err := p.Registry().Deregister(&s); err != nil {
		t.Fatal(err)
	}
	if err := q.Registry().Register(&s, 3, mio.Readable); err != nil {
		t.Fatalf("after deregister: %v", err)
	}
}

// A descriptor closed without deregistering leaves epoll, and its number is
// reused: registering the new descriptor elsewhere must succeed.
func TestRegisterReusedDescriptorNumber(t *testing.T) {
	p, q := newPoll(t), newPoll(t)
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	register(t, p, fd, 1, mio.Readable)
	unix.Close(fd)
	fd2, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd2)
	if fd2 != fd {
		t.Skipf("the OS did not reuse descriptor %d (got %d)", fd, fd2)
	}
	register(t, q, fd2, 2, mio.Readable)
	signalFd(t, fd2)
	ev := mio.NewEvents(4)
	if e := expectEvent(t, q, ev, 2); !e.IsReadable() {
		t.Fatalf("got %v", e)
	}
	if got := pollAll(t, p, ev, 0); len(got) != 0 {
		t.Fatalf("stale poll reported %v", got)
	}
}

func TestReregisterChangesTokenAndInterest(t *testing.T) {
	p := newPoll(t)
	a, _ := socketPair(t)
	register(t, p, a, 1, mio.Readable)
	ev := mio.NewEvents(8)
	if got := pollAll(t, p, ev, 20*time.Millisecond); len(got) != 0 {
		t.Fatalf("readable-only registration of an idle socket reported %v", got)
	}
	s := mio.SourceFd(a)
	if err := p.Registry().Reregister(&s, 2, mio.Writable); err != nil {
		t.Fatal(err)
	}
	e := expectEvent(t, p, ev, 2)
	if !e.IsWritable() || e.IsReadable() {
		t.Fatalf("got %v, want writable only", e)
	}
	unreg := mio.SourceFd(eventFd(t, false))
	if err := p.Registry().Reregister(&unreg, 1, mio.Readable); !errors.Is(err, mio.ErrNotRegistered) {
		t.Fatalf("reregister of unregistered: %v", err)
	}
}

func TestRegistryFromManyGoroutinesWhilePolling(t *testing.T) {
	p := newPoll(t)
	stopPolling := pollLoop(t, p)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				fd := eventFd(t, i%2 == 0)
				s := mio.SourceFd(fd)
				tok := mio.Token(g<<16 | i)
				if err := p.Registry().Register(&s, tok, mio.Readable); err != nil {
					t.Error(err)
					return
				}
				if err := p.Registry().Reregister(&s, tok, mio.Readable|mio.Writable); err != nil {
					t.Error(err)
					return
				}
				if err := p.Registry().Deregister(&s); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	stopPolling()
}

// Registry.Fd is the Poll's epoll descriptor (mio's AsRawFd for Registry): a
// Source that registers itself with the kernel directly is reported by Poll.
func TestRegistryFdReachesTheSelector(t *testing.T) {
	p := newPoll(t)
	r := p.Registry()
	if r.Fd() != p.Fd() || r.Fd() < 0 {
		t.Fatalf("Registry.Fd %d, Poll.Fd %d", r.Fd(), p.Fd())
	}
	var nilRegistry *mio.Registry
	if nilRegistry.Fd() != -1 {
		t.Fatalf("nil Registry.Fd: %d, want -1", nilRegistry.Fd())
	}
	efd := eventFd(t, true)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: 42}
	if err := unix.EpollCtl(r.Fd(), unix.EPOLL_CTL_ADD, efd, &ev); err != nil {
		t.Fatal(err)
	}
	defer unix.EpollCtl(r.Fd(), unix.EPOLL_CTL_DEL, efd, nil)
	if e := expectEvent(t, p, mio.NewEvents(4), 42); !e.IsReadable() {
		t.Fatalf("event %v, want readable", e)
	}
}
