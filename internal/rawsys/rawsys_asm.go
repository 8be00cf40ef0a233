//go:build linux && (amd64 || arm64) && !purego

package rawsys

// Syscall6 is generated assembly (rawsys_amd64.s, rawsys_arm64.s), declared
// in the generated rawsys_decl_*.go.

// Generated reports whether the assembly trampoline is in use.
const Generated = true
