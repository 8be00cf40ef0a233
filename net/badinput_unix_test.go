//go:build unix

package net_test

import (
	"path/filepath"
	"testing"

	"github.com/gomio/mio"
	mnet "github.com/gomio/mio/net"
)

// osClosedValues are the Unix sockets' zero and closed values.
func osClosedValues(t *testing.T) []namedValue {
	pairFirst := func() (*mnet.UnixStream, error) {
		a, b, err := mnet.UnixStreamPair()
		if err == nil {
			b.Close()
		}
		return a, err
	}
	closed := closedValues(t)
	return []namedValue{
		{"zero UnixListener", new(mnet.UnixListener)},
		{"zero UnixStream", new(mnet.UnixStream)},
		{"zero UnixDatagram", new(mnet.UnixDatagram)},
		{"closed UnixListener", closed(mnet.ListenUnix(filepath.Join(t.TempDir(), "l")))},
		{"closed UnixStream", closed(pairFirst())},
		{"closed UnixDatagram", closed(mnet.UnboundUnixgram())},
	}
}

// Empty buffers move nothing, as io.Reader and io.Writer allow: (0, nil),
// with no byte consumed or sent and no panic, for nil slices and for
// buffer lists that are nil or hold only empty buffers.
func TestEmptyBuffersMoveNothing(t *testing.T) {
	type stream interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
		ReadBuffers([][]byte) (int, error)
		WriteBuffers([][]byte) (int, error)
		mio.Source
	}
	tcpA, tcpB := tcpPair(t, any4)
	unixA, unixB, err := mnet.UnixStreamPair()
	must(t, err)
	closer(t, unixA)
	closer(t, unixB)
	for _, c := range []struct {
		name string
		a, b stream
	}{
		{"TCPStream", tcpA, tcpB},
		{"UnixStream", unixA, unixB},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPoll(t)
			must(t, p.Registry().Register(c.b, 1, mio.Readable))
			must2(c.a.Write([]byte("x")))(t)
			waitFor(t, p, 1, readable)
			calls := map[string]func() (int, error){
				"Read(nil)":                  func() (int, error) { return c.b.Read(nil) },
				"Write(nil)":                 func() (int, error) { return c.a.Write(nil) },
				"ReadBuffers(nil)":           func() (int, error) { return c.b.ReadBuffers(nil) },
				"ReadBuffers of empty ones":  func() (int, error) { return c.b.ReadBuffers([][]byte{nil, {}}) },
				"WriteBuffers(nil)":          func() (int, error) { return c.a.WriteBuffers(nil) },
				"WriteBuffers of empty ones": func() (int, error) { return c.a.WriteBuffers([][]byte{nil, {}}) },
			}
			for name, call := range calls {
				if n, err := call(); n != 0 || err != nil {
					t.Errorf("%s: (%d, %v), want (0, nil)", name, n, err)
				}
			}
			// The byte sent before is still the only one waiting.
			got, _ := readAll(t, c.b, make([]byte, 8))
			if string(got) != "x" {
				t.Fatalf("after the empty calls read %q, want %q", got, "x")
			}
		})
	}
}
