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
// the caller, as it is with a Rust value used after it was dropped.
//
// Linux has every type and the proxy features (batches, relay,
// SO_REUSEPORT); darwin and the BSDs every type, through x/sys calls (no
// abstract namespace); Windows the TCP and UDP types, with Fd returning the
// SOCKET as a uintptr, and named pipes (NamedPipe, as mio's: their I/O goes
// through buffers the pipe owns). Where a feature is missing the call returns an error
// matching errors.ErrUnsupported.
package net
