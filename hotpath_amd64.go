//go:build linux && !purego

package mio

import "golang.org/x/sys/cpu"

// epollDecodeAVX2 makes the generated decoder (poll_amd64.s) take its AVX2
// loop, eight records per iteration; without it the decoder runs its scalar
// loop. GOAMD64=v1, the default, promises neither AVX2 nor SSSE3, so the
// choice is made here, at start-up, from what the CPU and the OS support.
// It is read by the assembly and written only here and by the tests.
var epollDecodeAVX2 = cpu.X86.HasAVX2
