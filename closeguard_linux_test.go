//go:build linux && !mio_poll

package mio

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Where the kernel offers private expedited membarriers, the close
// handshake uses them: a Poll then pays plain stores, not atomic ones.
func TestCloseHandshakeUsesMembarrierWhereOffered(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const membarrierCmdQuery = 0
	cmds, _, e := unix.RawSyscall(unix.SYS_MEMBARRIER, membarrierCmdQuery, 0, 0)
	offered := e == 0 && cmds&membarrierCmdPrivateExpedited != 0
	t.Logf("membarrier offered: %v; handshake fenced: %v", offered, fenced)
	if offered && !fenced {
		t.Fatal("the kernel offers MEMBARRIER_CMD_PRIVATE_EXPEDITED, yet Poll fell back to atomic stores")
	}
	if !offered && fenced {
		t.Fatal("Poll takes plain stores without a membarrier to order them")
	}
}
