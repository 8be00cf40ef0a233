//go:build linux

package bench

import (
	"fmt"
	"syscall"
	"testing"
	"unsafe"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// readyPoll returns a Poll whose epoll holds n level-triggered, always-ready
// eventfds. The registrations are made directly on Poll.Fd, bypassing mio's
// edge-triggered Registry, so that every iteration sees the same n ready
// records: the same kernel state for mio and for the baselines.
func readyPoll(b *testing.B, n int) *mio.Poll {
	p, err := mio.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	for i := range n {
		fd, err := unix.Eventfd(1, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { unix.Close(fd) })
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(i)}
		if err := unix.EpollCtl(p.Fd(), unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			b.Fatal(err)
		}
	}
	return p
}

// event is what a hand-rolled loop over x/sys builds from each record: the
// same token and readiness that mio's ring holds.
type event struct {
	token    uint64
	readable bool
	writable bool
	closed   bool
}

// BenchmarkPoll waits with a zero timeout on 0, 64 and 1024 ready sources:
//
//	impl=mio        Poll: the generated wait + decode into the ring
//	impl=raw        syscall.RawSyscall6(epoll_pwait), records left undecoded: the floor
//	impl=xsys       unix.EpollWait plus a Go loop building the same events
//	impl=xsys-wait  unix.EpollWait alone
func BenchmarkPoll(b *testing.B) {
	for _, ready := range []int{0, 64, 1024} {
		capacity := max(ready, 1)
		b.Run(fmt.Sprintf("impl=mio/ready=%d", ready), func(b *testing.B) {
			p := readyPoll(b, ready)
			ev := mio.NewEvents(capacity)
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Poll(ev, 0); err != nil {
					b.Fatal(err)
				}
				if ev.Len() != ready {
					b.Fatalf("%d events, want %d", ev.Len(), ready)
				}
				ev.Clear()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(capacity), "ns/event")
		})
		b.Run(fmt.Sprintf("impl=raw/ready=%d", ready), func(b *testing.B) {
			p := readyPoll(b, ready)
			buf := make([]unix.EpollEvent, capacity)
			b.ReportAllocs()
			for b.Loop() {
				n, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.Fd()), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
				if e != 0 || int(n) != ready {
					b.Fatalf("(%d, %v)", n, e)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(capacity), "ns/event")
		})
		b.Run(fmt.Sprintf("impl=xsys/ready=%d", ready), func(b *testing.B) {
			p := readyPoll(b, ready)
			buf := make([]unix.EpollEvent, capacity)
			out := make([]event, capacity)
			b.ReportAllocs()
			for b.Loop() {
				n, err := unix.EpollWait(p.Fd(), buf, 0)
				if err != nil || n != ready {
					b.Fatalf("(%d, %v)", n, err)
				}
				for i, r := range buf[:n] {
					out[i] = event{
						token:    uint64(uint32(r.Fd)) | uint64(uint32(r.Pad))<<32,
						readable: r.Events&(unix.EPOLLIN|unix.EPOLLPRI) != 0,
						writable: r.Events&unix.EPOLLOUT != 0,
						closed:   r.Events&unix.EPOLLHUP != 0 || r.Events&(unix.EPOLLIN|unix.EPOLLRDHUP) == unix.EPOLLIN|unix.EPOLLRDHUP,
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(capacity), "ns/event")
		})
		b.Run(fmt.Sprintf("impl=xsys-wait/ready=%d", ready), func(b *testing.B) {
			p := readyPoll(b, ready)
			buf := make([]unix.EpollEvent, capacity)
			b.ReportAllocs()
			for b.Loop() {
				if n, err := unix.EpollWait(p.Fd(), buf, 0); err != nil || n != ready {
					b.Fatalf("(%d, %v)", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(capacity), "ns/event")
		})
	}
}

// BenchmarkEpollWait compares the drop-in with the call it replaces, on the
// same level-triggered state.
func BenchmarkEpollWait(b *testing.B) {
	for _, ready := range []int{0, 64} {
		capacity := max(ready, 1)
		for _, impl := range []struct {
			name string
			wait func(int, []unix.EpollEvent, int) (int, error)
		}{{"mio", mio.EpollWait}, {"xsys", unix.EpollWait}} {
			b.Run(fmt.Sprintf("impl=%s/ready=%d", impl.name, ready), func(b *testing.B) {
				p := readyPoll(b, ready)
				buf := make([]unix.EpollEvent, capacity)
				b.ReportAllocs()
				for b.Loop() {
					if n, err := impl.wait(p.Fd(), buf, 0); err != nil || n != ready {
						b.Fatalf("(%d, %v)", n, err)
					}
				}
			})
		}
	}
}

// BenchmarkWake measures Wake followed by the Poll that collects its event,
// against the same round trip on a bare eventfd with x/sys.
func BenchmarkWake(b *testing.B) {
	b.Run("impl=mio", func(b *testing.B) {
		p, err := mio.New()
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		w, err := mio.NewWaker(p.Registry(), 1)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Close()
		ev := mio.NewEvents(8)
		b.ReportAllocs()
		for b.Loop() {
			w.Wake()
			if err := p.Poll(ev, 0); err != nil || ev.Len() != 1 {
				b.Fatalf("%v, %d events", err, ev.Len())
			}
			ev.Clear()
		}
	})
	b.Run("impl=xsys", func(b *testing.B) {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(epfd)
		efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(efd)
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, efd, &ev); err != nil {
			b.Fatal(err)
		}
		buf := make([]unix.EpollEvent, 8)
		one := []byte{1, 0, 0, 0, 0, 0, 0, 0}
		b.ReportAllocs()
		for b.Loop() {
			unix.Write(efd, one)
			if n, err := unix.EpollWait(epfd, buf, 0); err != nil || n != 1 {
				b.Fatalf("(%d, %v)", n, err)
			}
		}
	})
}
