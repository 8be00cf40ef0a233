//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

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
type owner struct {
	sel   *Selector
	bits  uint32
	token events.Token
}

type shard struct {
	mu   sync.Mutex
	regs map[int]owner
	_    [40]byte // keep shards on separate cache lines
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
	if !s.Acquire() {
		return nil, ErrClosed
	}
	sh := ownerShard(fd)
	sh.mu.Lock()
	return sh, nil
}

func (s *Selector) unlockFd(sh *shard) {
	sh.mu.Unlock()
	s.Release()
}
