//go:build (linux || darwin || dragonfly || freebsd || netbsd || openbsd) && !mio_poll

package selector

import (
	"fmt"
	"sync"

	"github.com/gomio/mio/events"
	"golang.org/x/sys/unix"
)

// The owner table records which selector each registered descriptor belongs
// to. The kernel already refuses a second registration in the same epoll
// (EEXIST); the table is what refuses a registration in a second one, as
// mio's API promises. It is sharded by descriptor so that event loops
// registering in parallel rarely meet on a lock.
//
// The rule that keeps it free of deadlock: no shard lock is held across a
// call into another selector. Asking a previous owner whether it still holds
// a descriptor takes and releases a use of that selector, and the last
// release of a closed selector destroys it, which locks every shard
// (forgetOwner). So Register asks with the shard unlocked, and the answer
// counts only if the record is still the same one when the lock is taken
// back: each record carries the sequence number of the write that made it,
// as the runtime's poller tags its descriptors.
type owner struct {
	sel   *Selector
	bits  uint32
	token events.Token
	seq   uint64 // the shard's write that made this record
}

type shard struct {
	mu   sync.Mutex
	regs map[int]owner
	seq  uint64   // writes so far; tags each record
	_    [32]byte // keep shards on separate cache lines
}

// put records o as fd's owner under a fresh sequence number. The caller
// holds the lock.
func (sh *shard) put(fd int, o owner) {
	sh.seq++
	o.seq = sh.seq
	sh.regs[fd] = o
}

var owners [64]shard

func init() {
	for i := range owners {
		owners[i].regs = make(map[int]owner)
	}
}

func ownerShard(fd int) *shard { return &owners[uint(fd)%uint(len(owners))] }

// forgetOwner drops every record of a selector that is being destroyed.
func forgetOwner(s *Selector) {
	for i := range owners {
		sh := &owners[i]
		sh.mu.Lock()
		for fd, o := range sh.regs {
			if o.sel == s {
				delete(sh.regs, fd)
			}
		}
		sh.mu.Unlock()
	}
}

// lockFd is the common entry of a registry call on fd: a valid descriptor,
// a use of the selector (ErrClosed once it is closed), and fd's owner shard
// locked. unlockFd ends it.
func (s *Selector) lockFd(fd int, op string) (*shard, error) {
	if fd < 0 {
		return nil, fmt.Errorf("mio: %s fd %d: %w", op, fd, unix.EBADF)
	}
	if !s.acquire() {
		return nil, ErrClosed
	}
	sh := ownerShard(fd)
	sh.mu.Lock()
	return sh, nil
}

func (s *Selector) unlockFd(sh *shard) {
	sh.mu.Unlock()
	s.release()
}

// acquire begins a use of the descriptor (a registry call, a wait); false
// means the selector is closed. release ends it; the last one out after
// Close destroys the selector, so it is never called with a shard locked.
func (s *Selector) acquire() bool { return s.ref.acquire() }

func (s *Selector) release() {
	if s.ref.release() {
		s.destroy()
	}
}

// lockUnowned is lockFd for Register: it returns with fd's shard locked and
// no live registration of fd on record, or ErrAlreadyRegistered when one
// exists, in this selector or another. A record goes stale when a user
// closes a descriptor without deregistering it and the number is reused;
// holds asks the kernel. s itself is asked under the lock (this call holds a
// use of it, so no release there can destroy it); another selector is asked
// with the lock dropped, then the record is re-validated by its sequence
// number and the question asked again if it changed meanwhile.
func (s *Selector) lockUnowned(fd int, op string) (*shard, error) {
	sh, err := s.lockFd(fd, op)
	if err != nil {
		return nil, err
	}
	for {
		o, ok := sh.regs[fd]
		if !ok {
			return sh, nil
		}
		var live bool
		if o.sel == s {
			live = s.holds(fd, o)
		} else {
			sh.mu.Unlock()
			live = o.sel.holds(fd, o)
			sh.mu.Lock()
			if cur, ok := sh.regs[fd]; !ok || cur.seq != o.seq {
				continue // replaced or forgotten while unlocked: ask again
			}
		}
		if live {
			s.unlockFd(sh)
			return nil, ErrAlreadyRegistered
		}
		return sh, nil
	}
}
