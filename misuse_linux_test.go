//go:build linux

package mio_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/gomio/mio"
)

// Every misuse named in the API contract returns an error; none panics or
// blocks.
func TestMisuseReturnsErrors(t *testing.T) {
	p := newPoll(t)
	r := p.Registry()
	fd := eventFd(t, false)
	s := mio.SourceFd(fd)
	var nilFd *mio.SourceFd
	var nilPoll *mio.Poll

	cases := []struct {
		name string
		err  error
		want error
	}{
		{"nil events", p.Poll(nil, -1), mio.ErrNoCapacity},
		{"capacity 0", p.Poll(mio.NewEvents(0), -1), mio.ErrNoCapacity},
		{"negative capacity", p.Poll(mio.NewEvents(-5), -1), mio.ErrNoCapacity},
		{"zero interest", r.Register(&s, 1, 0), mio.ErrInvalidInterest},
		{"undefined interest bits", r.Register(&s, 1, 0x80), mio.ErrInvalidInterest},
		{"AIO on Linux", r.Register(&s, 1, mio.AIO), errors.ErrUnsupported},
		{"LIO on Linux", r.Register(&s, 1, mio.LIO|mio.Readable), errors.ErrUnsupported},
		{"nil source", r.Register(nil, 1, mio.Readable), mio.ErrNilSource},
		{"nil *SourceFd", r.Register(nilFd, 1, mio.Readable), mio.ErrNilSource},
		{"negative fd", func() error { n := mio.SourceFd(-1); return r.Register(&n, 1, mio.Readable) }(), syscall.EBADF},
		{"closed fd", func() error { n := mio.SourceFd(1 << 20); return r.Register(&n, 1, mio.Readable) }(), syscall.EBADF},
		{"reregister unregistered", r.Reregister(&s, 1, mio.Readable), mio.ErrNotRegistered},
		{"deregister unregistered", r.Deregister(&s), mio.ErrNotRegistered},
		{"nil poll", nilPoll.Poll(mio.NewEvents(1), 0), mio.ErrNilRegistry},
		{"nil registry", nilPoll.Registry().Register(&s, 1, mio.Readable), mio.ErrNilRegistry},
		{"waker on nil registry", func() error { _, err := mio.NewWaker(nil, 1); return err }(), mio.ErrNilRegistry},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}

	full := mio.NewEvents(1)
	register(t, p, eventFd(t, true), 5, mio.Readable)
	if err := p.Poll(full, 0); err != nil || full.Len() != 1 {
		t.Fatalf("poll: %v len %d", err, full.Len())
	}
	if err := p.Poll(full, -1); !errors.Is(err, mio.ErrEventsFull) {
		t.Errorf("full ring: %v", err)
	}

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	after := []struct {
		name string
		err  error
	}{
		{"Poll after Close", p.Poll(mio.NewEvents(1), -1)},
		{"Register after Close", r.Register(&s, 1, mio.Readable)},
		{"Reregister after Close", r.Reregister(&s, 1, mio.Readable)},
		{"Deregister after Close", r.Deregister(&s)},
		{"NewWaker after Close", func() error { _, err := mio.NewWaker(r, 1); return err }()},
	}
	for _, c := range after {
		if !errors.Is(c.err, mio.ErrClosed) {
			t.Errorf("%s: got %v, want ErrClosed", c.name, c.err)
		}
	}
}
