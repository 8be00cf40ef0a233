//go:build linux && !purego

package mio

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// The generated decoder's loops on amd64: scalar on every CPU, SSSE3 and AVX2
// (which takes SSSE3's for what it leaves) where the CPU has them. Each is
// forced in turn by checkDecode.
func init() {
	force := func(avx2, ssse3 bool) func() func() {
		return func() func() {
			savedAVX2, savedSSSE3 := epollDecodeAVX2, epollDecodeSSSE3
			epollDecodeAVX2, epollDecodeSSSE3 = avx2, ssse3
			return func() { epollDecodeAVX2, epollDecodeSSSE3 = savedAVX2, savedSSSE3 }
		}
	}
	decoderPaths = []decoderPath{{"scalar", force(false, false)}}
	if cpu.X86.HasSSSE3 {
		decoderPaths = append(decoderPaths, decoderPath{"ssse3", force(false, true)})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasSSSE3 {
		decoderPaths = append(decoderPaths, decoderPath{"avx2", force(true, true)})
	}
}

// The loops the CPU gets by default are the best it can run.
func TestDecoderChoice(t *testing.T) {
	if epollDecodeAVX2 != cpu.X86.HasAVX2 || epollDecodeSSSE3 != cpu.X86.HasSSSE3 {
		t.Fatalf("epollDecodeAVX2, epollDecodeSSSE3 = %v, %v on a CPU whose AVX2, SSSE3 are %v, %v",
			epollDecodeAVX2, epollDecodeSSSE3, cpu.X86.HasAVX2, cpu.X86.HasSSSE3)
	}
	if !cpu.X86.HasAVX2 || !cpu.X86.HasSSSE3 {
		t.Logf("this CPU has AVX2 %v, SSSE3 %v: the loops it lacks are not tested here", cpu.X86.HasAVX2, cpu.X86.HasSSSE3)
	}
}
