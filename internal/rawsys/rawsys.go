// Package rawsys is the raw syscall path for calls that cannot block: I/O on
// non-blocking descriptors. On linux/amd64 and linux/arm64 Syscall6 is a
// generated trampoline (rawsys_amd64.s, rawsys_arm64.s) that the caller
// reaches in one call, with no scheduler bookkeeping and one return after
// the kernel: the kernel's return-stack mitigations make every further
// return level cost a misprediction. rawsys_generic.go is its portable twin.
//
// Safety rule: only a call that cannot block may be made here. A raw call
// that blocks holds its P and stalls the garbage collector for as long as it
// sleeps.
package rawsys
