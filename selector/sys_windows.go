package selector

import (
	"syscall"
	"unsafe"

	"github.com/gomio/mio/internal/iocp"
	"golang.org/x/sys/windows"
)

// What x/sys does not bind, bound here through LazyProc and SyscallN.
var (
	ntdll    = windows.NewLazySystemDLL("ntdll.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")

	procNtDeviceIoControlFile       = ntdll.NewProc("NtDeviceIoControlFile")
	procGetQueuedCompletionStatusEx = kernel32.NewProc("GetQueuedCompletionStatusEx")
)

// ntDeviceIoControlFile starts an I/O control operation; apcContext is what
// the completion's lpOverlapped will be.
func ntDeviceIoControlFile(h windows.Handle, apcContext unsafe.Pointer, iosb *windows.IO_STATUS_BLOCK,
	code uint32, in unsafe.Pointer, inLen uint32, out unsafe.Pointer, outLen uint32) windows.NTStatus {
	r, _, _ := syscall.SyscallN(procNtDeviceIoControlFile.Addr(), uintptr(h), 0, 0,
		uintptr(apcContext), uintptr(unsafe.Pointer(iosb)), uintptr(code),
		uintptr(in), uintptr(inLen), uintptr(out), uintptr(outLen))
	return windows.NTStatus(r)
}

// getQueuedCompletionStatusEx dequeues up to len(entries) completions,
// waiting up to ms milliseconds (windows.INFINITE: without limit). A
// timeout is (0, nil).
func getQueuedCompletionStatusEx(port windows.Handle, entries []iocp.Entry, ms uint32) (int, error) {
	var n uint32
	r, _, e := syscall.SyscallN(procGetQueuedCompletionStatusEx.Addr(), uintptr(port),
		uintptr(unsafe.Pointer(&entries[0])), uintptr(len(entries)), uintptr(unsafe.Pointer(&n)),
		uintptr(ms), 0)
	if r == 0 {
		if e == windows.WAIT_TIMEOUT {
			return 0, nil
		}
		return 0, e
	}
	return int(n), nil
}
