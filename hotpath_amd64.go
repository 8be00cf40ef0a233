//go:build linux && !purego

package mio

import "golang.org/x/sys/cpu"

// The generated decoder (poll_amd64.s) has three loops: AVX2, eight records
// per iteration; SSSE3, four, for what the AVX2 loop leaves and on CPUs
// without AVX2; and scalar for the rest. GOAMD64=v1, the default, promises
// neither AVX2 nor SSSE3, so the choice is made here, at start-up, from what
// the CPU and the OS support. These are read by the assembly and written
// only here and by the tests.
var (
	epollDecodeAVX2  = cpu.X86.HasAVX2
	epollDecodeSSSE3 = cpu.X86.HasSSSE3
)
