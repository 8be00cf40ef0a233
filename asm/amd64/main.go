//go:build linux

// Command amd64 generates poll_amd64.s with avo: the epoll_pwait trampolines
// and the decoder from the kernel's packed 12-byte epoll_event records to the
// ring's 16-byte events.
//
//	go run ./amd64 -out ../poll_amd64.s
package main

import (
	"fmt"

	"github.com/gomio/mio/asm/internal/spec"
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var (
	layout    = spec.EpollAMD64
	flagTable Mem // the 64-entry table from spec.FlagTable
)

func main() {
	ConstraintExpr("linux,!purego")

	flagTable = GLOBL("epollFlagTable", RODATA|NOPTR)
	for k, f := range spec.FlagTable() {
		DATA(k, U8(f))
	}

	epollWait()
	epollWaitDecode()
	decodeEpoll()
	Generate()
}

// syscallEpollPwait issues epoll_pwait(DI, SI, DX, R10, NULL) and leaves the
// result in AX: a count, or -errno. The argument registers are physical:
// avo's allocator does not know that SYSCALL reads them.
func syscallEpollPwait() {
	XORL(R8L, R8L) // no signal mask
	XORL(R9L, R9L)
	MOVQ(U32(layout.PwaitNR), RAX)
	SYSCALL()
}

func epollWait() {
	TEXT("epollWait", NOSPLIT, "func(epfd int, events *byte, maxevents int, msec int) (n int, errno uintptr)")
	Doc("epollWait is epoll_pwait with no signal mask, as a raw syscall: it returns",
		"the count, or -1 and the errno. Only a zero msec makes it non-blocking.")
	Load(Param("epfd"), RDI)
	Load(Param("events"), RSI)
	Load(Param("maxevents"), RDX)
	Load(Param("msec"), R10)
	syscallEpollPwait()
	CMPQ(RAX, I32(-4095))
	JCC(LabelRef("failed"))
	Store(RAX, Return("n"))
	MOVQ(U32(0), RCX)
	Store(RCX, Return("errno"))
	RET()
	Label("failed")
	NEGQ(RAX)
	Store(RAX, Return("errno"))
	MOVQ(I32(-1), RCX)
	Store(RCX, Return("n"))
	RET()
}

func epollWaitDecode() {
	TEXT("epollWaitDecode", NOSPLIT, "func(epfd int, slots *byte, maxevents int, msec int) (n int, errno uintptr)")
	Doc("epollWaitDecode waits like epollWait with the kernel's records written to",
		fmt.Sprintf("the tail of the event slots (at slots + %d*maxevents), then decodes", spec.EventSize-layout.RecordSize),
		"them in place into slots[0:n]. On failure n is 0.")
	Load(Param("epfd"), RDI)
	Load(Param("slots"), R12)
	Load(Param("maxevents"), RDX)
	Load(Param("msec"), R10)
	LEAQ(Mem{Base: R12, Index: RDX, Scale: uint8(spec.EventSize - layout.RecordSize)}, RSI)
	MOVQ(RSI, R13)
	syscallEpollPwait()
	CMPQ(RAX, I32(-4095))
	JCC(LabelRef("failed"))
	Store(RAX, Return("n"))
	MOVQ(U32(0), RCX)
	Store(RCX, Return("errno"))
	decodeLoop(R12, R13, RAX)
	RET()
	Label("failed")
	NEGQ(RAX)
	Store(RAX, Return("errno"))
	MOVQ(U32(0), RCX)
	Store(RCX, Return("n"))
	RET()
}

func decodeEpoll() {
	TEXT("decodeEpoll", NOSPLIT, "func(dst *byte, src *byte, n int)")
	Doc("decodeEpoll decodes n packed epoll_event records at src into events at dst.",
		"dst may overlap src as epollWaitDecode lays them out.")
	Load(Param("dst"), R12)
	Load(Param("src"), R13)
	Load(Param("n"), RAX)
	decodeLoop(R12, R13, RAX)
	RET()
}

// decodeLoop decodes count records from src to dst. Each record is read
// whole before its slot is written, which makes the in-place layout safe.
// The flags come from the table: index = IN..HUP (bits 0-4) | RDHUP>>8.
func decodeLoop(dst, src, count GPPhysical) {
	TESTQ(count, count)
	JEQ(LabelRef("done"))
	LEAQ(flagTable, R9)
	Label("loop")
	MOVL(Mem{Base: src}, EBX)                          // events
	MOVQ(Mem{Base: src, Disp: layout.DataOffset}, RCX) // data = token
	MOVL(EBX, EDX)
	ANDL(U32(0x1f), EDX)
	MOVL(EBX, R10L)
	SHRL(U8(8), R10L)
	ANDL(U32(0x20), R10L)
	ORL(R10L, EDX)
	MOVBLZX(Mem{Base: R9, Index: RDX, Scale: 1}, EDX)
	SHLQ(U8(32), RBX)
	ORQ(RDX, RBX) // raw<<32 | flags
	MOVQ(RCX, Mem{Base: dst})
	MOVQ(RBX, Mem{Base: dst, Disp: 8})
	ADDQ(U32(layout.RecordSize), src)
	ADDQ(U32(spec.EventSize), dst)
	DECQ(count)
	JNE(LabelRef("loop"))
	Label("done")
}
