package selector

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/internal/iocp"
	"golang.org/x/sys/windows"
)

// Readiness on Windows comes from the AFD driver behind Winsock, as mio,
// libuv and wepoll get it: an IOCTL_AFD_POLL on a helper handle opened on
// \Device\Afd completes on the selector's port when one of the socket's
// asked-for conditions holds.
const ioctlAFDPoll = 0x00012024

// afdPollInfo is AFD_POLL_INFO with one handle.
type afdPollInfo struct {
	Timeout         int64
	NumberOfHandles uint32
	Exclusive       uint32
	Handle          windows.Handle
	Events          uint32
	Status          windows.NTStatus
}

// openAFD opens a helper handle on the AFD device and associates it with
// the port.
func openAFD(port windows.Handle) (windows.Handle, error) {
	name, err := windows.NewNTUnicodeString(`\Device\Afd\Mio`)
	if err != nil {
		return 0, err
	}
	oa := windows.OBJECT_ATTRIBUTES{Length: uint32(unsafe.Sizeof(windows.OBJECT_ATTRIBUTES{})), ObjectName: name}
	var h windows.Handle
	var iosb windows.IO_STATUS_BLOCK
	if err := windows.NtCreateFile(&h, windows.SYNCHRONIZE, &oa, &iosb, nil, 0,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, windows.FILE_OPEN, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("mio: open \\Device\\Afd: %w", err)
	}
	if _, err := windows.CreateIoCompletionPort(h, port, 0, 0); err != nil {
		windows.CloseHandle(h)
		return 0, fmt.Errorf("mio: associate AFD with the port: %w", err)
	}
	if err := windows.SetFileCompletionNotificationModes(h, windows.FILE_SKIP_SET_EVENT_ON_HANDLE); err != nil {
		windows.CloseHandle(h)
		return 0, err
	}
	return h, nil
}

// The state of a socket's AFD poll.
const (
	pollIdle      = iota // none in flight
	pollPending          // in flight for the bits in pending
	pollCancelled        // cancelled, its completion not yet seen
)

// afdSocket is one registered socket. The kernel writes iosb and info while
// a poll is in flight, so an afdSocket is always on the heap and stays
// referenced by its selector (polls) until the completion has been seen,
// whatever the user does in the meantime.
type afdSocket struct {
	iosb windows.IO_STATUS_BLOCK // first: its address identifies the poll
	info afdPollInfo

	sel      *Selector
	sock     windows.Handle // the SOCKET the user registered
	base     windows.Handle // the provider's base socket, which AFD polls
	token    events.Token
	interest events.Interest
	want     uint32 // AFD bits the user waits for (reported ones are removed until a re-arm)
	pending  uint32 // AFD bits of the poll in flight
	state    int
	deleted  bool
	queued   bool
}

// id is the address the poll is started with and completes with.
func (st *afdSocket) id() uintptr { return uintptr(unsafe.Pointer(&st.iosb)) }

// submit starts or adjusts the socket's poll so that it matches want. The
// caller holds sel.mu.
func (st *afdSocket) submit() error {
	switch st.state {
	case pollPending:
		if st.want&^st.pending == 0 {
			return nil // the poll in flight already covers what is wanted
		}
		// Ask for more: cancel, and start again once the cancel completes.
		err := windows.CancelIoEx(st.sel.afd, (*windows.Overlapped)(unsafe.Pointer(&st.iosb)))
		if err == nil || err == windows.ERROR_NOT_FOUND {
			st.state = pollCancelled
			return nil
		}
		return fmt.Errorf("mio: cancel AFD poll: %w", err)
	case pollCancelled:
		return nil // submitted again when the cancellation completes
	}
	if st.want == 0 || st.deleted {
		return nil
	}
	st.info = afdPollInfo{Timeout: math.MaxInt64, NumberOfHandles: 1, Handle: st.base, Events: st.want}
	st.iosb.Status = windows.STATUS_PENDING
	size := uint32(unsafe.Sizeof(st.info))
	status := ntDeviceIoControlFile(st.sel.afd, unsafe.Pointer(&st.iosb), &st.iosb, ioctlAFDPoll,
		unsafe.Pointer(&st.info), size, unsafe.Pointer(&st.info), size)
	if status != windows.STATUS_SUCCESS && status != windows.STATUS_PENDING {
		return fmt.Errorf("mio: AFD poll: %w", status)
	}
	// Either way the completion comes through the port.
	st.state = pollPending
	st.pending = st.want
	st.sel.polls[st.id()] = st
	return nil
}

// complete consumes the completion of the socket's poll and returns the
// token and AFD bits it reports, if any. The caller holds sel.mu.
func (st *afdSocket) complete() (events.Token, uint32, bool) {
	delete(st.sel.polls, st.id())
	st.state = pollIdle
	st.pending = 0
	if st.deleted {
		return 0, 0, false
	}
	st.sel.queue(st) // poll again before the next wait
	var afd uint32
	switch {
	case st.iosb.Status == windows.STATUS_CANCELLED:
		return 0, 0, false
	case st.iosb.Status != windows.STATUS_SUCCESS:
		afd = iocp.AFDConnectFail // the socket failed: report an error
	case st.info.NumberOfHandles < 1:
		return 0, 0, false
	case st.info.Events&iocp.AFDLocalClose != 0:
		st.sel.forget(st) // closed by its owner: gone
		return 0, 0, false
	default:
		afd = st.info.Events
	}
	afd &= st.want
	if afd == 0 {
		return 0, 0, false
	}
	// Edge-triggered, as mio: what was reported is not asked for again
	// until the socket re-arms it after a would-block.
	st.want &^= afd
	return st.token, afd, true
}
