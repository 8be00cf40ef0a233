//go:build linux

package rawsys

import "syscall"

// Syscall6Generic is the portable twin of Syscall6 over the standard
// library, compiled on every Linux build as the reference for the tests. It
// is nosplit so that the stack, and any stack address a caller passed as a
// uintptr, cannot move during the call; callers keep heap buffers alive
// with runtime.KeepAlive.
//
//go:nosplit
func Syscall6Generic(trap, a1, a2, a3, a4, a5, a6 uintptr) (r, errno uintptr) {
	r1, _, e := syscall.RawSyscall6(trap, a1, a2, a3, a4, a5, a6)
	return r1, uintptr(e)
}
