//go:build (aix || solaris || (unix && mio_poll)) && !linux

package selector

// pollRdHup is 0: only Linux's poll(2) reports a peer's shutdown apart
// from POLLHUP.
const pollRdHup = 0
