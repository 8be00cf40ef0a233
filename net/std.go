//go:build unix || windows

package net

import (
	"fmt"
	"net"
	"syscall"

	"github.com/gomio/mio"
)

// stdConn is what every std socket type offers.
type stdConn interface {
	SyscallConn() (syscall.RawConn, error)
	Close() error
}

// adopt takes c over into a new socket of type T.
func adopt[T any, P interface {
	*T
	owns(h sysHandle)
}](c stdConn) (P, error) {
	h, err := takeOver(c)
	if err != nil {
		return nil, err
	}
	s := P(new(T))
	s.owns(h)
	return s, nil
}

// TCPListenerFromStd takes over a std TCP listener.
func TCPListenerFromStd(l *net.TCPListener) (*TCPListener, error) {
	if l == nil {
		return nil, takeOverNil()
	}
	return adopt[TCPListener](l)
}

// TCPStreamFromStd takes over a std TCP connection.
func TCPStreamFromStd(c *net.TCPConn) (*TCPStream, error) {
	if c == nil {
		return nil, takeOverNil()
	}
	return adopt[TCPStream](c)
}

func takeOverNil() error { return fmt.Errorf("mio/net: nil std socket: %w", mio.ErrNilSource) }
