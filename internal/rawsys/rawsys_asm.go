//go:build linux && (amd64 || arm64) && !purego

package rawsys

// Syscall6 makes the system call trap with six arguments and returns the
// result, or errno != 0. Pointers converted to uintptr in the call
// expression are kept alive and unmoved for the call, as for any
// assembly function.
//
//go:noescape
func Syscall6(trap, a1, a2, a3, a4, a5, a6 uintptr) (r, errno uintptr)

// Generated reports whether the assembly trampoline is in use.
const Generated = true
