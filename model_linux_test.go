//go:build linux && !mio_poll

// Not over poll(2) (-tags mio_poll): the model closes eventfds without
// deregistering and reads them without a would-block, which only a kernel
// that keeps registrations (epoll) can follow; poll(2) tells files apart by
// inode, which all eventfds share, and re-arms after a would-block.

package mio_test

import (
	"errors"
	"testing"

	"github.com/gomio/mio"
	"golang.org/x/sys/unix"
)

// FuzzRegistryModel runs random sequences of register, reregister,
// deregister, close-without-deregister, signal, wake and poll against a
// model of what each call must return: the right error for each misuse, no
// event for a token that is not registered, and no readable edge lost.
func FuzzRegistryModel(f *testing.F) {
	f.Add([]byte{0x00, 0x40, 0x05, 0x06})
	f.Add([]byte{0x00, 0x00, 0x02, 0x02, 0x01, 0x05})
	f.Add([]byte{0x10, 0x14, 0x13, 0x15, 0x10, 0x14, 0x15, 0x16, 0x05})
	f.Add([]byte{0x20, 0x24, 0x21, 0x25, 0x81, 0x25, 0x22, 0x24, 0x25})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 200 {
			ops = ops[:200]
		}
		m := newModel(t)
		defer m.close()
		for _, op := range ops {
			m.step(op)
		}
		m.poll()
	})
}

const (
	slots      = 4
	wakerToken = mio.Token(1 << 40)
)

type slot struct {
	fd         int
	registered bool
	token      mio.Token
	interest   mio.Interest
	unread     bool // the eventfd holds a count nobody has read
	expect     bool // a readable event is owed
}

type model struct {
	t      *testing.T
	p      *mio.Poll
	w      *mio.Waker
	s      [slots]slot
	gen    mio.Token
	woken  bool
	events *mio.Events
}

func newModel(t *testing.T) *model {
	p, err := mio.New()
	if err != nil {
		t.Fatal(err)
	}
	w, err := mio.NewWaker(p.Registry(), wakerToken)
	if err != nil {
		t.Fatal(err)
	}
	m := &model{t: t, p: p, w: w, events: mio.NewEvents(64)}
	for i := range m.s {
		m.s[i].fd = m.open()
	}
	return m
}

func (m *model) open() int {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		m.t.Fatal(err)
	}
	return fd
}

func (m *model) close() {
	m.w.Close()
	m.p.Close()
	for _, s := range m.s {
		unix.Close(s.fd)
	}
}

func (m *model) step(op byte) {
	s := &m.s[op>>4&(slots-1)]
	interests := [...]mio.Interest{mio.Readable, mio.Writable, mio.Readable | mio.Writable, 0}
	interest := interests[op>>6]
	src := mio.SourceFd(s.fd)
	r := m.p.Registry()
	switch op & 0x7 {
	case 0, 1: // register (0) or reregister (1)
		m.gen++
		tok := m.gen
		var err error
		if op&0x7 == 0 {
			err = r.Register(&src, tok, interest)
		} else {
			err = r.Reregister(&src, tok, interest)
		}
		switch {
		case interest == 0:
			m.want(err, mio.ErrInvalidInterest)
		case op&0x7 == 0 && s.registered:
			m.want(err, mio.ErrAlreadyRegistered)
		case op&0x7 == 1 && !s.registered:
			m.want(err, mio.ErrNotRegistered)
		default:
			m.want(err, nil)
			s.registered, s.token, s.interest = true, tok, interest
			s.expect = s.unread && interest.IsReadable()
		}
	case 2: // deregister
		err := r.Deregister(&src)
		if s.registered {
			m.want(err, nil)
		} else {
			m.want(err, mio.ErrNotRegistered)
		}
		s.registered, s.expect = false, false
	case 3: // close without deregistering, then open a new descriptor
		unix.Close(s.fd)
		s.fd = m.open()
		s.registered, s.expect, s.unread = false, false, false
	case 4: // make readable
		if _, err := unix.Write(s.fd, []byte{1, 0, 0, 0, 0, 0, 0, 0}); err != nil {
			m.t.Fatal(err)
		}
		s.unread = true
		if s.registered && s.interest.IsReadable() {
			s.expect = true
		}
	case 5:
		m.poll()
	case 6:
		m.want(m.w.Wake(), nil)
		m.woken = true
	case 7: // drain without an event: edges after this need new data
		var b [8]byte
		unix.Read(s.fd, b[:])
		s.unread, s.expect = false, false
	}
}

// poll checks one zero-timeout Poll against the model. Readiness of an
// eventfd is reported synchronously with the write, so nothing owed may be
// missing.
func (m *model) poll() {
	if err := m.p.Poll(m.events, 0); err != nil {
		m.t.Fatal(err)
	}
	for ev := range m.events.Drain() {
		if ev.Token() == wakerToken {
			m.woken = false
			continue
		}
		var owner *slot
		for i := range m.s {
			if m.s[i].registered && m.s[i].token == ev.Token() {
				owner = &m.s[i]
			}
		}
		if owner == nil {
			m.t.Fatalf("event %v for a token that is not registered", ev)
		}
		if ev.IsReadable() {
			var b [8]byte
			unix.Read(owner.fd, b[:])
			owner.unread, owner.expect = false, false
		}
	}
	for i, s := range m.s {
		if s.expect {
			m.t.Fatalf("slot %d (token %d, %v): readable event lost", i, s.token, s.interest)
		}
	}
	if m.woken {
		m.t.Fatal("wake lost")
	}
}

func (m *model) want(err, want error) {
	m.t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		m.t.Fatalf("got %v, want %v", err, want)
	}
}
