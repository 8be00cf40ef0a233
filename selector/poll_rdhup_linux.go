//go:build mio_poll

package selector

import "golang.org/x/sys/unix"

// pollRdHup is asked for with POLLIN: Linux reports a peer's shutdown as
// POLLRDHUP, which the other systems' poll(2) lacks.
const pollRdHup = unix.POLLRDHUP
