//go:build aix || openbsd || solaris

package net

// AIX, OpenBSD and Solaris have no SO_NOSIGPIPE. None is needed: Go's
// runtime ignores a SIGPIPE raised by a write to any descriptor but 1 and 2
// (unless the program asked for it with signal.Notify), so the write
// returns EPIPE, as everywhere.
const noSigpipe = 0
