//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package kevent

import (
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The layout the tests hold for this target is x/sys's unix.Kevent_t.
func TestLayoutMatchesXSys(t *testing.T) {
	name := runtime.GOOS
	switch {
	case runtime.GOOS == "darwin" || runtime.GOOS == "dragonfly":
	case runtime.GOARCH == "386" || runtime.GOARCH == "arm" || runtime.GOOS == "openbsd" && runtime.GOARCH == "ppc64":
		name += "/" + runtime.GOARCH
	default:
		name += "/64"
	}
	c, ok := layouts[name]
	if !ok {
		t.Fatalf("no layout %s in the tests", name)
	}
	var kev unix.Kevent_t
	want := Fields{Stride: unsafe.Sizeof(kev), IdentSize: unsafe.Sizeof(kev.Ident),
		Filter: unsafe.Offsetof(kev.Filter), FilterSize: unsafe.Sizeof(kev.Filter), Flags: unsafe.Offsetof(kev.Flags),
		FlagsSize: unsafe.Sizeof(kev.Flags), FFlags: unsafe.Offsetof(kev.Fflags),
		Udata: unsafe.Offsetof(kev.Udata), UdataSize: unsafe.Sizeof(kev.Udata), BigEndian: hostBigEndian}
	if c.fields != want {
		t.Fatalf("%s: the tests hold %+v, x/sys has %+v", name, c.fields, want)
	}
}
