//go:build unix || windows

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// stallTimeout is how long a client waits for the next byte before it calls
// the server stuck. A client's deadline is about progress, not about the
// whole run: a 2-core machine under -race makes a run of many megabytes
// slow, and a lost edge, a lost FIN or a back-pressure hang makes it
// silent, which is what the tests are after.
const stallTimeout = 30 * time.Second

// randomMessage returns 1 to max bytes drawn from r. The bytes come from
// a ChaCha8 stream seeded by r, which fills the whole message in one call:
// a number per byte cost seconds per megabyte under -race.
func randomMessage(r *rand.Rand, max int) []byte {
	msg := make([]byte, 1+r.IntN(max))
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], r.Uint64())
	rand.NewChaCha8(seed).Read(msg)
	return msg
}

// exchange writes msg on c (from a goroutine: the server echoes before it
// has read all of a large message) and reads the echo back, failing when
// no byte comes for stallTimeout or when the echo differs from msg.
func exchange(c net.Conn, msg []byte) error {
	werr := make(chan error, 1)
	go func() { _, err := c.Write(msg); werr <- err }()
	got := make([]byte, len(msg))
	if err := readFull(c, got); err != nil {
		return fmt.Errorf("read echo of %d bytes: %w", len(msg), err)
	}
	if err := <-werr; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if !bytes.Equal(got, msg) {
		return errors.New("echo differs")
	}
	return nil
}

// readFull fills p from c, each read allowed stallTimeout.
func readFull(c net.Conn, p []byte) error {
	for off := 0; off < len(p); {
		c.SetReadDeadline(time.Now().Add(stallTimeout))
		n, err := c.Read(p[off:])
		off += n
		if err != nil {
			return fmt.Errorf("after %d bytes: %w", off, err)
		}
	}
	return nil
}
