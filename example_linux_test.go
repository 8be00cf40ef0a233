//go:build linux

package mio_test

import (
	"fmt"
	"log"
	"time"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// Waiting on a raw descriptor and on a Waker from another goroutine.
func Example() {
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()

	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		log.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	src := mio.SourceFd(p[0])
	poll.Registry().Register(&src, 1, mio.Readable)

	waker, err := mio.NewWaker(poll.Registry(), 2)
	if err != nil {
		log.Fatal(err)
	}
	defer waker.Close()

	unix.Write(p[1], []byte("x"))
	events := mio.NewEvents(8)
	poll.Poll(events, time.Second)
	for ev := range events.Drain() {
		fmt.Println("token", ev.Token(), "readable:", ev.IsReadable())
	}

	go waker.Wake()
	poll.Poll(events, -1)
	for ev := range events.Drain() {
		fmt.Println("token", ev.Token(), "woken")
	}
	// Output:
	// token 1 readable: true
	// token 2 woken
}

// EpollWait in a loop that already speaks x/sys.
func ExampleEpollWait() {
	epfd, _ := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	defer unix.Close(epfd)
	efd, _ := unix.Eventfd(1, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	defer unix.Close(efd)
	unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, efd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)})

	events := make([]unix.EpollEvent, 16)
	n, err := mio.EpollWait(epfd, events, 0) // was: unix.EpollWait
	fmt.Println(n, err, events[0].Fd == int32(efd))
	// Output: 1 <nil> true
}
