//go:build linux

package selector

import (
	"math/rand/v2"
	"testing"

	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// mio's epoll predicates, transcribed term by term, on the bits the selector
// asks for (the kernel adds only EPOLLERR and EPOLLHUP).
func mioEpoll(e uint32) events.Flags {
	has := func(b uint32) bool { return e&b != 0 }
	var f events.Flags
	set := func(c bool, fl events.Flags) {
		if c {
			f |= fl
		}
	}
	set(has(unix.EPOLLIN) || has(unix.EPOLLPRI), events.FlagReadable)
	set(has(unix.EPOLLOUT), events.FlagWritable)
	set(has(unix.EPOLLERR), events.FlagError)
	set(has(unix.EPOLLHUP) || (has(unix.EPOLLIN) && has(unix.EPOLLRDHUP)), events.FlagReadClosed)
	set(has(unix.EPOLLHUP) || (has(unix.EPOLLOUT) && has(unix.EPOLLERR)) || e == unix.EPOLLERR, events.FlagWriteClosed)
	set(has(unix.EPOLLPRI), events.FlagPriority)
	return f
}

func TestEpollFlagsMatchMio(t *testing.T) {
	for k := range 64 {
		raw := uint32(k&0x1f) | uint32(k&0x20)<<8
		if got, want := EpollFlags(raw), mioEpoll(raw); got != want {
			t.Errorf("bits %#x: %#x, want %#x", raw, got, want)
		}
	}
	// Bits the selector never asks for do not change the result.
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		raw := r.Uint32()
		relevant := raw & (unix.EPOLLIN | unix.EPOLLPRI | unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP | unix.EPOLLRDHUP)
		if EpollFlags(raw) != mioEpoll(relevant) {
			t.Fatalf("bits %#x", raw)
		}
	}
}

func TestFdRefClosesOnceAfterLastUser(t *testing.T) {
	var r fdRef
	for range 2 { // two users inside
		if !r.acquire() {
			t.Fatal("acquire on open")
		}
	}
	first, destroy := r.close()
	if !first || destroy {
		t.Fatalf("close with users inside: first=%v destroy=%v", first, destroy)
	}
	if again, _ := r.close(); again {
		t.Fatal("second close reported first")
	}
	if r.acquire() {
		t.Fatal("acquire after close")
	}
	if r.release() {
		t.Fatal("release with a user left must not destroy")
	}
	if !r.release() {
		t.Fatal("last release must destroy")
	}
	var idle fdRef
	if first, destroy := idle.close(); !first || !destroy {
		t.Fatal("close when idle destroys at once")
	}
	if idle.acquire() {
		t.Fatal("acquire after idle close")
	}
}
