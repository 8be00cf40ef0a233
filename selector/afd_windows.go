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

// afdSocket is one registered socket. What the kernel writes while its poll
// is in flight is in its record (see pollRecord), which it holds from
// Register until the last poll of a deregistered socket has completed; the
// record also holds the AFD bits the user waits for (Want: reported ones
// are removed until a re-arm), as the wait's decoder updates them.
type afdSocket struct {
	rec *pollRecord

	sel      *Selector
	sock     windows.Handle // the SOCKET the user registered
	base     windows.Handle // the provider's base socket, which AFD polls
	interest events.Interest
	pending  uint32 // AFD bits of the poll in flight
	state    int    // as of the last sync
	deleted  bool
	queued   bool
}

// sync brings state up to date with the record: the wait's decoder
// finishes a poll's completion in the record alone (Polling becomes
// PollIdle), so the socket learns its poll is over here, at its next use.
// The caller holds sel.mu, as the decoder does.
func (st *afdSocket) sync() {
	if st.state == pollPending && st.rec.Polling == iocp.PollIdle {
		st.state = pollIdle
		st.pending = 0
	}
}

// want is the AFD bits the user waits for.
func (st *afdSocket) want() uint32 { return uint32(st.rec.Want) }

// cancel cancels the poll in flight; its completion is the selector's.
func (st *afdSocket) cancel() error {
	err := windows.CancelIoEx(st.sel.afd, st.overlapped())
	if err != nil && err != windows.ERROR_NOT_FOUND {
		return fmt.Errorf("mio: cancel AFD poll: %w", err)
	}
	st.state = pollCancelled
	st.rec.Polling = iocp.PollSelector
	return nil
}

// overlapped is the address the poll is started with and completes with.
func (st *afdSocket) overlapped() *windows.Overlapped {
	return (*windows.Overlapped)(unsafe.Pointer(st.rec))
}

// pollRecord is the part of an AFD poll the kernel writes, with the token
// the wait reports for it and the bits its socket waits for: the
// completion's OVERLAPPED is the record's address, so everything a
// completion decodes to is at a fixed offset from it, and the wait's
// decoder reads it there (see iocp.Record). Records live in slabs outside
// the Go heap (VirtualAlloc), which the collector neither scans nor frees:
// a record stays valid for as long as the kernel holds it, whatever happens
// to the socket meanwhile. Its Slot is its index, and its socket's in
// pollRecords.owner.
type pollRecord = iocp.Record

const recordsPerSlab = 1024

// pollRecords allocates a selector's records. The caller holds sel.mu.
type pollRecords struct {
	slabs []*[recordsPerSlab]pollRecord
	owner []*afdSocket // by slot: the socket holding the record, nil when free
	free  []uint32
}

// get gives st a record.
func (r *pollRecords) get(st *afdSocket) error {
	if len(r.free) == 0 {
		size := unsafe.Sizeof([recordsPerSlab]pollRecord{})
		addr, err := windows.VirtualAlloc(0, size, windows.MEM_COMMIT|windows.MEM_RESERVE, windows.PAGE_READWRITE)
		if err != nil {
			return fmt.Errorf("mio: VirtualAlloc poll records: %w", err)
		}
		slab := *(**[recordsPerSlab]pollRecord)(unsafe.Pointer(&addr)) // memory outside the Go heap
		base := uint32(len(r.slabs) * recordsPerSlab)
		r.slabs = append(r.slabs, slab)
		r.owner = append(r.owner, make([]*afdSocket, recordsPerSlab)...)
		for i := recordsPerSlab - 1; i >= 0; i-- {
			slab[i].Slot = base + uint32(i)
			r.free = append(r.free, base+uint32(i))
		}
	}
	slot := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	st.rec = &r.slabs[slot/recordsPerSlab][slot%recordsPerSlab]
	r.owner[slot] = st
	return nil
}

// put takes st's record back; the kernel must be done with it.
func (r *pollRecords) put(st *afdSocket) {
	if st.rec == nil {
		return
	}
	r.owner[st.rec.Slot] = nil
	r.free = append(r.free, st.rec.Slot)
	st.rec = nil
}

// at returns the socket whose record is at the address a completion names,
// if there is one.
func (r *pollRecords) at(overlapped *uintptr) (*afdSocket, bool) {
	rec := *(**pollRecord)(unsafe.Pointer(overlapped))
	if rec == nil {
		return nil, false
	}
	slot := rec.Slot // a record's slot is set once, when its slab is made
	if int(slot) >= len(r.owner) || &r.slabs[slot/recordsPerSlab][slot%recordsPerSlab] != rec {
		return nil, false
	}
	st := r.owner[slot]
	return st, st != nil
}

// bySlot returns the socket holding the record of a slot the decoder
// reported, if any still does.
func (r *pollRecords) bySlot(slot uint32) *afdSocket {
	if int(slot) >= len(r.owner) {
		return nil
	}
	return r.owner[slot]
}

// inFlight counts the polls the kernel may still write to.
func (r *pollRecords) inFlight() int {
	n := 0
	for _, st := range r.owner {
		if st != nil {
			st.sync()
			if st.state != pollIdle {
				n++
			}
		}
	}
	return n
}

// release frees the slabs, unless a poll may still write to one: then they
// stay allocated for good.
func (r *pollRecords) release() {
	if r.inFlight() > 0 {
		return
	}
	for _, slab := range r.slabs {
		_ = windows.VirtualFree(uintptr(unsafe.Pointer(slab)), 0, windows.MEM_RELEASE)
	}
	r.slabs, r.owner, r.free = nil, nil, nil
}

// submit starts or adjusts the socket's poll so that it matches want. The
// caller holds sel.mu.
func (st *afdSocket) submit() error {
	st.sync()
	switch st.state {
	case pollPending:
		if st.want()&^st.pending == 0 {
			return nil // the poll in flight already covers what is wanted
		}
		// Ask for more: cancel, and start again once the cancel completes.
		return st.cancel()
	case pollCancelled:
		return nil // submitted again when the cancellation completes
	}
	if st.deleted || st.want() == 0 { // a deleted socket's record may be gone
		return nil
	}
	r := st.rec
	r.Info = iocp.PollInfo{Timeout: math.MaxInt64, NumberOfHandles: 1, Handle: uintptr(st.base), Events: st.want()}
	r.Status = uint32(windows.STATUS_PENDING)
	r.Polling = iocp.PollDecoded // the wait's decoder finishes the completion
	iosb := (*windows.IO_STATUS_BLOCK)(unsafe.Pointer(r))
	size := uint32(unsafe.Sizeof(r.Info))
	status := ntDeviceIoControlFile(st.sel.afd, unsafe.Pointer(r), iosb, ioctlAFDPoll,
		unsafe.Pointer(&r.Info), size, unsafe.Pointer(&r.Info), size)
	if status != windows.STATUS_SUCCESS && status != windows.STATUS_PENDING {
		r.Polling = iocp.PollIdle
		return fmt.Errorf("mio: AFD poll: %w", status)
	}
	// Either way the completion comes through the port.
	st.state = pollPending
	st.pending = st.want()
	return nil
}

// complete consumes a completion of the socket's poll that the wait's
// decoder left (cancelled, deregistered, failed or closed), and returns the
// token and AFD bits it reports, if any. The caller holds sel.mu.
func (st *afdSocket) complete() (events.Token, uint32, bool) {
	st.state = pollIdle
	st.pending = 0
	st.rec.Polling = iocp.PollIdle
	if st.deleted {
		st.sel.records.put(st) // the kernel is done with it
		return 0, 0, false
	}
	st.sel.queue(st) // poll again before the next wait
	r := st.rec
	var afd uint32
	switch {
	case windows.NTStatus(r.Status) == windows.STATUS_CANCELLED:
		return 0, 0, false
	case windows.NTStatus(r.Status) != windows.STATUS_SUCCESS:
		afd = iocp.AFDConnectFail // the socket failed: report an error
	case r.Info.NumberOfHandles < 1:
		return 0, 0, false
	case r.Info.Events&iocp.AFDLocalClose != 0:
		st.sel.forget(st) // closed by its owner: gone
		return 0, 0, false
	default:
		afd = r.Info.Events
	}
	afd &= st.want()
	if afd == 0 {
		return 0, 0, false
	}
	// Edge-triggered, as mio (and as the decoder does it): what was
	// reported is not asked for again until the socket re-arms it after a
	// would-block.
	r.Want &^= uint16(afd)
	return r.Token, afd, true
}
