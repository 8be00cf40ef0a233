package main

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// emptyModule is the smallest valid wasm binary: the magic and the version.
var emptyModule = []byte("\x00asm\x01\x00\x00\x00")

// compileEmpty compiles emptyModule in a runtime that the test closes.
func compileEmpty(t *testing.T) (wazero.Runtime, wazero.CompiledModule) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	mod, err := rt.CompileModule(ctx, emptyModule)
	if err != nil {
		t.Fatal(err)
	}
	return rt, mod
}

// A port that another process took between the pick and wazero's bind is
// given up for a new one: the instantiation succeeds, with its listeners
// on ports that were free, the echo one at the address returned.
func TestInstantiateRetriesTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	ctx := context.Background()
	rt, mod := compileEmpty(t)
	picks := 0
	pick := func() (int, error) {
		picks++
		if picks == 1 {
			return takenPort, nil
		}
		return freePort()
	}
	inst, echoAddr, err := instantiate(ctx, rt, mod, wazero.NewModuleConfig().WithName(""), pick)
	if err != nil {
		t.Fatalf("instantiate with the first port taken: %v", err)
	}
	defer inst.Close(ctx)
	if picks != 4 {
		t.Fatalf("%d ports picked, want 4 (two for each of two attempts)", picks)
	}
	if echoAddr == net.JoinHostPort("127.0.0.1", strconv.Itoa(takenPort)) {
		t.Fatalf("echo listener at the taken port %s", echoAddr)
	}
	c, err := net.Dial("tcp", echoAddr)
	if err != nil {
		t.Fatalf("dial the echo listener at %s: %v", echoAddr, err)
	}
	c.Close()
}

// A bind that fails for another reason than a taken port is not retried.
func TestInstantiateReportsOtherErrors(t *testing.T) {
	ctx := context.Background()
	rt, mod := compileEmpty(t)
	picks := 0
	pick := func() (int, error) { picks++; return -1, nil } // no such port
	if _, _, err := instantiate(ctx, rt, mod, wazero.NewModuleConfig().WithName(""), pick); err == nil {
		t.Fatal("instantiate on port -1: no error")
	}
	if picks != 2 {
		t.Fatalf("%d ports picked, want 2 (one attempt)", picks)
	}
}

// A failed dial is retried after a back-off, never at once: between two
// dials the dialer waits on a timer (here one that the test fires), with
// a wait that grows up to maxRedial; stop ends it while it waits.
func TestDialerBacksOff(t *testing.T) {
	p := newEchoPeers("127.0.0.1:1")
	dials := make(chan struct{}, 16)
	timers := make(chan chan time.Time, 16)
	waits := make(chan time.Duration, 16)
	p.dial = func(string, string) (net.Conn, error) {
		dials <- struct{}{}
		return nil, errors.New("refused")
	}
	p.after = func(d time.Duration) <-chan time.Time {
		c := make(chan time.Time, 1)
		waits <- d
		timers <- c
		return c
	}
	stopped := make(chan struct{})
	go func() {
		p.dialer()
		close(stopped)
	}()
	var last time.Duration
	for i := range 10 {
		<-dials
		var timer chan time.Time
		select {
		case timer = <-timers:
		case <-dials:
			t.Fatalf("dial %d was retried at once, without a back-off", i+1)
		}
		d := <-waits
		if d <= 0 || d > maxRedial || d < last {
			t.Fatalf("back-off %d: %v after %v, want a wait growing up to %v", i+1, d, last, maxRedial)
		}
		last = d
		timer <- time.Time{}
	}
	if last != maxRedial {
		t.Fatalf("back-off after 10 failed dials: %v, want %v", last, maxRedial)
	}
	p.stop()
	<-stopped
}
