//go:build unix || wasip1

package mio

import "syscall"

// On Unix and on wasip1 every selector registers descriptors: what is here
// is the same for epoll, kqueue, poll(2) and WASI's poll_oneoff.

// Fd returns the descriptor of the Poll's selector (the epoll or kqueue
// descriptor), for embedding this Poll in another poller; -1 where the
// selector has none (poll(2), wasip1). It stays owned by the Poll: do not
// close it, and do not use it after Close.
func (p *Poll) Fd() int { return p.sel.Fd() }

// Fd returns the descriptor of the selector behind r, as Poll.Fd does (mio's
// AsRawFd for Registry): for a Source that needs to name the selector to the
// kernel, such as a nested poller; -1 for a nil or zero Registry.
func (r *Registry) Fd() int {
	if r == nil || r.poll == nil || r.poll.sel == nil {
		return -1
	}
	return r.poll.sel.Fd()
}

// SourceFd is a Source over a raw descriptor. It borrows the descriptor and
// never closes it; the user keeps it open while registered and deregisters
// it before closing it.
//
//	fd := mio.SourceFd(n)
//	err := poll.Registry().Register(&fd, token, mio.Readable)
type SourceFd int

// Register implements Source.
func (fd *SourceFd) Register(r *Registry, t Token, i Interest) error {
	if fd == nil {
		return ErrNilSource
	}
	return r.registerFd(int(*fd), t, i)
}

// Reregister implements Source.
func (fd *SourceFd) Reregister(r *Registry, t Token, i Interest) error {
	if fd == nil {
		return ErrNilSource
	}
	return r.reregisterFd(int(*fd), t, i)
}

// Deregister implements Source.
func (fd *SourceFd) Deregister(r *Registry) error {
	if fd == nil {
		return ErrNilSource
	}
	return r.deregisterFd(int(*fd))
}

// registerFd and its siblings are what SourceFd (and through it every
// socket type) uses: the selector keyed by descriptor.
func (r *Registry) registerFd(fd int, t Token, i Interest) error {
	sel, err := r.selector()
	if err != nil {
		return err
	}
	return sel.Register(fd, t, i)
}

func (r *Registry) reregisterFd(fd int, t Token, i Interest) error {
	sel, err := r.selector()
	if err != nil {
		return err
	}
	return sel.Reregister(fd, t, i)
}

func (r *Registry) deregisterFd(fd int) error {
	sel, err := r.selector()
	if err != nil {
		return err
	}
	return sel.Deregister(fd)
}

// ErrWouldBlock is what every non-blocking call returns instead of blocking.
// On Unix and wasip1 it is syscall.EAGAIN itself, so both errors.Is(err, ErrWouldBlock)
// and errors.Is(err, syscall.EAGAIN) hold, and returning it allocates nothing.
var ErrWouldBlock error = syscall.EAGAIN
