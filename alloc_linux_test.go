//go:build linux

package mio_test

import (
	"testing"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

func TestHotPathDoesNotAllocate(t *testing.T) {
	p := newPoll(t)
	w, err := mio.NewWaker(p.Registry(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ev := mio.NewEvents(64)
	raw := make([]unix.EpollEvent, 64)
	cases := map[string]func(){
		"Poll(0) idle": func() { p.Poll(ev, 0) },
		"Wake":         func() { w.Wake() },
		"Wake+Poll+Pop": func() {
			w.Wake()
			p.Poll(ev, -1)
			ev.Pop()
		},
		"EpollWait(0)": func() { mio.EpollWait(p.Fd(), raw, 0) },
		"Poll with a held event": func() {
			w.Wake()
			p.Poll(ev, -1)
			p.Poll(ev, -1)
			ev.Clear()
		},
	}
	for name, f := range cases {
		if a := testing.AllocsPerRun(200, f); a != 0 {
			t.Errorf("%s: %v allocations per run", name, a)
		}
	}
}
