//go:build linux && (purego || !(amd64 || arm64))

package rawsys

// Syscall6 is the portable twin; see rawsys_asm.go.
//
//go:nosplit
func Syscall6(trap, a1, a2, a3, a4, a5, a6 uintptr) (r, errno uintptr) {
	return Syscall6Generic(trap, a1, a2, a3, a4, a5, a6)
}

// Generated reports whether the assembly trampoline is in use.
const Generated = false
