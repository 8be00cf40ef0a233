// Package net holds non-blocking TCP, UDP and Unix sockets that register
// with a mio.Poll, with the semantics of Rust's mio::net: every socket is
// created non-blocking and close-on-exec, implements mio.Source, and returns
// mio.ErrWouldBlock (which is syscall.EAGAIN on Unix) instead of blocking.
// Addresses are netip.AddrPort for IP sockets and strings for Unix sockets
// ("" is unnamed, "@name" is Linux's abstract namespace, anything else a
// path).
//
// The I/O calls (Read, Write, ReadBuffers, WriteBuffers, Accept, RecvFrom,
// SendTo, Recv, Send) are raw syscalls: a call on a non-blocking socket
// cannot block, so it needs no scheduler bookkeeping, and none of them
// allocates, would-block included.
//
// A socket is owned by one goroutine at a time, as in mio. Close swaps the
// descriptor out before closing it, so that a second Close returns an error
// matching mio.ErrClosed and never touches a descriptor number the OS has
// since reused; a call racing with Close from another goroutine is a bug in
// the caller, as it is with a Rust value used after it was dropped. A value
// made without its constructor (var s TCPStream) holds no socket: it is
// closed, and every call on it returns an error matching mio.ErrClosed.
//
// Raw descriptors, as mio's FromRawFd and IntoRawFd: TCPListenerFromFd,
// TCPStreamFromFd, UDPSocketFromFd, UnixListenerFromFd, UnixStreamFromFd and
// UnixDatagramFromFd take ownership of an open socket made elsewhere (by a
// socket2-style builder, inherited, or received over a Unix socket). Unlike
// mio they check what they are given before they change anything: the
// socket's type (SO_TYPE), family (its name) and whether it listens
// (SO_ACCEPTCONN) must be those of the type asked for; only then is it made
// non-blocking and close-on-exec. A wrong kind is an error matching
// syscall.EINVAL, a descriptor that is not a socket one matching
// syscall.ENOTSOCK, a closed or negative descriptor one matching
// syscall.EBADF; the descriptor is then left exactly as it was, and still
// the caller's. Release gives the descriptor back: the value is closed from
// then on (mio.ErrClosed) and the descriptor is not; a second Release, or one
// after Close, returns an error matching mio.ErrClosed. On Unix, Release does
// not deregister, as mio's into_raw_fd does not: the registration is the
// descriptor's, goes on reporting with its token, and is ended by
// deregistering the value before Release or mio.SourceFd(fd) after it. On
// Windows the TCP and UDP constructors take a SOCKET as a uintptr (made
// non-inheritable rather than close-on-exec; WSAENOTSOCK matches
// syscall.ENOTSOCK too, INVALID_SOCKET syscall.EBADF), and Release ends the
// registration, as mio's does there: the AFD poll state belongs to the value.
//
// Linux has every type and the proxy features (batches, relay,
// SO_REUSEPORT); darwin, the BSDs, AIX, Solaris and illumos every type,
// through x/sys calls (no abstract namespace; over the poll(2) backend on
// AIX, Solaris and illumos, whose readiness each I/O call re-arms);
// Windows the TCP and UDP types, with Fd returning the
// SOCKET as a uintptr, and named pipes (NamedPipe, as mio's: their I/O goes
// through buffers the pipe owns); wasip1 the TCP types over the sockets the
// host pre-opens (TCPListenerFromFd, Accept, Read, Write, Peek, Shutdown:
// all that WASI Preview 1 has), with no addresses, options or UDP. Where a
// feature is missing the call returns an error matching
// errors.ErrUnsupported.
package net
