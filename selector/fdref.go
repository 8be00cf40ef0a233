package selector

import "sync/atomic"

// fdRef guards a kernel descriptor that several goroutines use at once: a
// Poll inside its wait and registry calls from anywhere. Closing marks it
// closed at once, but the descriptor itself is closed only when the last user
// has left, so that no call ever runs on a number the OS has since reused.
type fdRef struct {
	state atomic.Int64 // closedBit | number of users inside
	done  atomic.Bool  // the descriptor has been handed to destroy
}

const closedBit = 1 << 62

// acquire registers a user; false means the descriptor is closed.
func (r *fdRef) acquire() bool {
	if r.state.Add(1)&closedBit != 0 {
		r.state.Add(-1)
		return false
	}
	return true
}

// release ends a use. It reports true to exactly one caller, the last user
// out after close, who must now destroy the descriptor. It is split so that
// the common case inlines into the hot path.
func (r *fdRef) release() bool {
	return r.state.Add(-1) == closedBit && r.lastOut()
}

func (r *fdRef) lastOut() bool { return r.done.CompareAndSwap(false, true) }

// close marks the descriptor closed. first is true for the first call only;
// destroy is true when no user is inside, so that the caller destroys the
// descriptor now instead of leaving it to the last release.
func (r *fdRef) close() (first, destroy bool) {
	for {
		old := r.state.Load()
		if old&closedBit != 0 {
			return false, false
		}
		if r.state.CompareAndSwap(old, old|closedBit) {
			return true, old == 0 && r.done.CompareAndSwap(false, true)
		}
	}
}

// closeWaking marks the descriptor closed for a caller that holds a use, and
// calls wake when other users are inside too, so that a wait in progress
// ends and sees the close.
func (r *fdRef) closeWaking(wake func()) {
	if first, _ := r.close(); first && r.state.Load()&^closedBit > 1 {
		wake()
	}
}

func (r *fdRef) isClosed() bool { return r.state.Load()&closedBit != 0 }
