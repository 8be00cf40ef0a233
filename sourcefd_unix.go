//go:build unix

package mio

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
