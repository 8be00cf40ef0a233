//go:build linux

package mio_test

import (
	"testing"
	"unsafe"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

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
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET}
	// The token is epoll_data's whole 64-bit word, which starts at Fd: set
	// it all (Fd alone is its high half on big-endian targets).
	*(*uint64)(unsafe.Pointer(&ev.Fd)) = 42
	if err := unix.EpollCtl(r.Fd(), unix.EPOLL_CTL_ADD, efd, &ev); err != nil {
		t.Fatal(err)
	}
	defer unix.EpollCtl(r.Fd(), unix.EPOLL_CTL_DEL, efd, nil)
	if e := expectEvent(t, p, mio.NewEvents(4), 42); !e.IsReadable() {
		t.Fatalf("event %v, want readable", e)
	}
}
