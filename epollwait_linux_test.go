//go:build linux

package mio_test

import (
	"testing"
	"time"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// EpollWait is a drop-in for unix.EpollWait: on the same (level-triggered)
// epoll state both return the same records and the same errors.
func TestEpollWaitIsDropIn(t *testing.T) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(epfd)

	for _, msec := range []int{0, 10} {
		a, b := make([]unix.EpollEvent, 4), make([]unix.EpollEvent, 4)
		n1, err1 := unix.EpollWait(epfd, a, msec)
		n2, err2 := mio.EpollWait(epfd, b, msec)
		if n1 != 0 || n2 != 0 || err1 != nil || err2 != nil {
			t.Fatalf("idle, msec %d: x/sys (%d, %v), mio (%d, %v)", msec, n1, err1, n2, err2)
		}
	}

	var want []int32
	for i := range 5 {
		fd := eventFd(t, true)
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT, Fd: int32(fd), Pad: int32(i)}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			t.Fatal(err)
		}
		want = append(want, int32(fd))
	}
	for _, msec := range []int{0, -1, 1000} {
		a, b := make([]unix.EpollEvent, 8), make([]unix.EpollEvent, 8)
		n1, err1 := unix.EpollWait(epfd, a, msec)
		n2, err2 := mio.EpollWait(epfd, b, msec)
		if n1 != 5 || n2 != 5 || err1 != nil || err2 != nil {
			t.Fatalf("msec %d: x/sys (%d, %v), mio (%d, %v)", msec, n1, err1, n2, err2)
		}
		set := map[int32]unix.EpollEvent{}
		for _, e := range a[:n1] {
			set[e.Fd] = e
		}
		for _, fd := range want {
			if _, ok := set[fd]; !ok {
				t.Fatalf("msec %d: no record for registered fd %d", msec, fd)
			}
		}
		for _, e := range b[:n2] {
			if set[e.Fd] != e {
				t.Fatalf("msec %d: mio %+v, x/sys %+v", msec, e, set[e.Fd])
			}
		}
	}

	errCases := []struct {
		name string
		fd   int
		ev   []unix.EpollEvent
	}{
		{"empty slice", epfd, nil},
		{"bad descriptor", -1, make([]unix.EpollEvent, 1)},
		{"not an epoll", eventFd(t, false), make([]unix.EpollEvent, 1)},
	}
	for _, c := range errCases {
		n1, err1 := unix.EpollWait(c.fd, c.ev, 0)
		n2, err2 := mio.EpollWait(c.fd, c.ev, 0)
		if n1 != n2 || err1 != err2 || err1 == nil {
			t.Errorf("%s: x/sys (%d, %v), mio (%d, %v)", c.name, n1, err1, n2, err2)
		}
	}
	start := time.Now()
	if n, err := mio.EpollWait(epfd, nil, 50); err == nil || n != -1 || time.Since(start) > time.Second {
		t.Errorf("EINVAL wait: (%d, %v)", n, err)
	}
}
