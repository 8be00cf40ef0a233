//go:build linux

package rawsys

import (
	"bytes"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

var impls = []struct {
	name string
	call func(trap, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, uintptr)
}{{"asm", Syscall6}, {"go", Syscall6Generic}}

// roundTrip writes data into a pipe with one implementation and reads it
// back with the other, returning what was read and each call's results.
func roundTrip(t *testing.T, data []byte, write, read func(trap, a1, a2, a3, a4, a5, a6 uintptr) (uintptr, uintptr)) []byte {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	src := append([]byte{0}, data...) // never empty, so &src[0] is valid
	if len(data) > 0 {
		n, e := write(unix.SYS_WRITE, uintptr(p[1]), uintptr(unsafe.Pointer(&src[1])), uintptr(len(data)), 0, 0, 0)
		if e != 0 || int(n) != len(data) {
			t.Fatalf("write: (%d, %d)", n, e)
		}
	}
	dst := make([]byte, len(data)+1)
	n, e := read(unix.SYS_READ, uintptr(p[0]), uintptr(unsafe.Pointer(&dst[0])), uintptr(len(dst)), 0, 0, 0)
	runtime.KeepAlive(src)
	if len(data) == 0 {
		if e != uintptr(unix.EAGAIN) || n != ^uintptr(0) {
			t.Fatalf("read of an empty pipe: (%d, %d), want (-1, EAGAIN)", int(n), e)
		}
		return nil
	}
	if e != 0 {
		t.Fatalf("read: errno %d", e)
	}
	return dst[:n]
}

func checkTwins(t *testing.T, data []byte) {
	for _, w := range impls {
		for _, r := range impls {
			if got := roundTrip(t, data, w.call, r.call); !bytes.Equal(got, data) && len(data) > 0 {
				t.Fatalf("write %s, read %s: %x, want %x", w.name, r.name, got, data)
			}
		}
	}
}

func TestSyscall6MatchesTwin(t *testing.T) {
	if !Generated {
		t.Log("purego build: both sides are the twin")
	}
	checkTwins(t, nil)
	checkTwins(t, []byte("hello, kernel"))
	pid := uintptr(unix.Getpid())
	for _, impl := range impls {
		if r, e := impl.call(unix.SYS_GETPID, 0, 0, 0, 0, 0, 0); r != pid || e != 0 {
			t.Fatalf("%s getpid: (%d, %d)", impl.name, r, e)
		}
		if r, e := impl.call(unix.SYS_CLOSE, ^uintptr(0), 0, 0, 0, 0, 0); r != ^uintptr(0) || e != uintptr(unix.EBADF) {
			t.Fatalf("%s close(-1): (%d, %d)", impl.name, int(r), e)
		}
	}
}

func FuzzSyscall6(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("x"))
	f.Add(bytes.Repeat([]byte{0xa5}, 4096))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32<<10 {
			data = data[:32<<10] // within one pipe buffer
		}
		checkTwins(t, data)
	})
}
