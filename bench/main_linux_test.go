//go:build linux

package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain runs the benchmarks, or one of the helper processes they start:
// the relay's peer or the echo clients.
func TestMain(m *testing.M) {
	if task := os.Getenv(peerEnv); task != "" {
		runPeer(strings.Fields(task))
		return
	}
	if task := os.Getenv(echoClientEnv); task != "" {
		runEchoClient(task)
		return
	}
	os.Exit(m.Run())
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
