//go:build linux && !purego

package mio

import (
	"testing"

	"golang.org/x/sys/cpu"
)

// The generated decoder's loops on amd64: scalar on every CPU, AVX2 where
// the CPU has it. Each is forced in turn by checkDecode.
func init() {
	force := func(avx2 bool) func() func() {
		return func() func() {
			saved := epollDecodeAVX2
			epollDecodeAVX2 = avx2
			return func() { epollDecodeAVX2 = saved }
		}
	}
	decoderPaths = []decoderPath{{"scalar", force(false)}}
	if cpu.X86.HasAVX2 {
		decoderPaths = append(decoderPaths, decoderPath{"avx2", force(true)})
	}
}

// The loop the CPU gets by default is the best it can run.
func TestDecoderChoice(t *testing.T) {
	if epollDecodeAVX2 != cpu.X86.HasAVX2 {
		t.Fatalf("epollDecodeAVX2 = %v on a CPU whose AVX2 is %v", epollDecodeAVX2, cpu.X86.HasAVX2)
	}
	if !cpu.X86.HasAVX2 {
		t.Log("this CPU has no AVX2: only the scalar loop is tested here")
	}
}
