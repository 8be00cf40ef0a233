package selector

import (
	"syscall"
	"unsafe"

	"github.com/gomio/mio/events"
)

// WASI Preview 1's poll_oneoff, declared here because package syscall does
// not export it (the runtime's poller has its own, unexported). The layouts
// are those of the WASI snapshot-01 witx: a subscription is 48 bytes, an
// event 32, both little-endian with the userdata first.

//go:wasmimport wasi_snapshot_preview1 poll_oneoff
//go:noescape
func pollOneoff(in, out unsafe.Pointer, nsubscriptions uint32, nevents unsafe.Pointer) uint32

// The subscription and event types of WASI (eventtype).
const (
	eventClock   = 0
	eventFdRead  = 1
	eventFdWrite = 2
)

// clockMonotonic is WASI's monotonic clock, the one relative timeouts use.
const clockMonotonic = 1

// eventHangup is event.flags' only bit (eventrwflags.fd_readwrite_hangup):
// the peer has closed the socket or disconnected.
const eventHangup = 1

// subscription is WASI's subscription: the userdata, the eventtype tag, and
// the union of subscription_clock (id, timeout, precision, flags) and
// subscription_fd_readwrite (its fd in the place of the clock's id).
type subscription struct {
	userdata  uint64
	eventtype uint8
	_         [7]uint8
	fdOrClock uint32 // file_descriptor, or the clock's id
	_         uint32
	timeout   uint64 // nanoseconds, relative
	precision uint64
	flags     uint16 // subclockflags: 0, a relative timeout
	_         [6]uint8
}

// event is WASI's event: the userdata of the subscription it answers, an
// errno for that subscription, its type, and for descriptors the bytes
// available and the hangup flag.
type event struct {
	userdata  uint64
	errno     uint16
	eventtype uint8
	_         [5]uint8
	nbytes    uint64
	flags     uint16
	_         [6]uint8
}

// The layouts are fixed by the ABI; a change here fails the build.
var (
	_ [48 - unsafe.Sizeof(subscription{})]byte
	_ [unsafe.Sizeof(subscription{}) - 48]byte
	_ [32 - unsafe.Sizeof(event{})]byte
	_ [unsafe.Sizeof(event{}) - 32]byte
)

// The raw bits of a wasip1 event (Event.Raw), documented on Selector: which
// subscriptions answered, the hangup flag, and the WASI errno of a
// subscription that failed.
const (
	rawFdRead     = 1 << eventFdRead  // an fd_read subscription answered
	rawFdWrite    = 1 << eventFdWrite // an fd_write subscription answered
	rawHangup     = 1 << 3            // fd_readwrite_hangup was set
	rawErrnoShift = 16                // bits 16..31: the errno, when not 0
)

// wasiFlags maps what poll_oneoff answered for one descriptor, as the raw
// bits above, to normalised readiness: each answered subscription is its
// readiness; a hangup is read-closed and write-closed, as poll(2)'s POLLHUP
// (a hung-up socket reads io.EOF, so it is readable too); an errno is an
// error, except ENOTSUP and ENOSYS, with which a runtime says that it cannot
// poll that descriptor that way: those are reported as the readiness asked
// for (a spurious event, which mio allows; a missed one would be a bug).
func wasiFlags(raw uint32) events.Flags {
	var f events.Flags
	if raw&rawFdRead != 0 {
		f |= events.FlagReadable
	}
	if raw&rawFdWrite != 0 {
		f |= events.FlagWritable
	}
	if raw&rawHangup != 0 {
		f |= events.FlagReadable | events.FlagReadClosed | events.FlagWriteClosed
	}
	if e := syscall.Errno(raw >> rawErrnoShift); e != 0 && !cannotPoll(e) {
		f |= events.FlagError
	}
	return f
}

// cannotPoll tells the errnos with which a host says that it cannot poll a
// descriptor that way (wazero answers fd_write subscriptions with ENOTSUP)
// from those that say the descriptor failed.
func cannotPoll(e syscall.Errno) bool { return e == syscall.ENOTSUP || e == syscall.ENOSYS }
