//go:build linux

package bench

import (
	"os/exec"
	"sync"
	"testing"
)

// TestEchoHarnessIgnoresOtherChildren runs the echo harness while other
// children of this process come and go: their SIGCHLDs must not be taken for
// the echo clients' exit (make bench once failed that way, on the SIGCHLD of
// an earlier benchmark's child).
func TestEchoHarnessIgnoresOtherChildren(t *testing.T) {
	stopChildren := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stopChildren:
				return
			default:
			}
			if err := exec.Command("true").Run(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var skipped, failed bool
	res := testing.Benchmark(func(b *testing.B) {
		addr, stop := startMioEcho(b, 0)
		defer stop()
		defer func() { skipped, failed = b.Skipped(), b.Failed() }()
		runEchoClients(b, addr, 4, 64).report(b)
	})
	close(stopChildren)
	wg.Wait()
	if skipped || failed || res.N == 0 {
		t.Fatalf("the harness gave up (skipped %v, failed %v, N %d) while other children exited", skipped, failed, res.N)
	}
}
