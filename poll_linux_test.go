//go:build linux

package mio_test

import (
	"testing"
	"unsafe"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// A descriptor closed without deregistering leaves epoll, and its number is
// reused: registering the new descriptor elsewhere must succeed. (Pipes, not
// eventfds: poll(2) has no kernel registration to ask, and tells files apart
// by inode, which all eventfds share.)
func TestRegisterReusedDescriptorNumber(t *testing.T) {
	p, q := newPoll(t), newPoll(t)
	var old, fds [2]int
	if err := unix.Pipe2(old[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(old[1])
	register(t, p, old[0], 1, mio.Readable)
	unix.Close(old[0])
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if fds[0] != old[0] {
		t.Skipf("the OS did not reuse descriptor %d (got %d)", old[0], fds[0])
	}
	register(t, q, fds[0], 2, mio.Readable)
	unix.Write(fds[1], []byte{1})
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
	if p.Fd() < 0 {
		t.Skip("the poll(2) backend (-tags mio_poll) has no kernel poller to name")
	}
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
