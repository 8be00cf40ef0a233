//go:build unix || windows || wasip1

package net

import (
	"fmt"
	"syscall"
)

// SyscallConn gives raw access to the socket, for options this package
// lacks. Its Read and Write call f once and, since the socket never blocks,
// return mio.ErrWouldBlock when f asks to wait (returns false).
func (s *socket) SyscallConn() (syscall.RawConn, error) {
	if _, err := s.handle(); err != nil {
		return nil, err
	}
	return rawConn{s}, nil
}

type rawConn struct{ s *socket }

// Control calls f with the socket.
func (c rawConn) Control(f func(fd uintptr)) error {
	h, err := c.s.handle()
	if err != nil {
		return err
	}
	f(h)
	return nil
}

// Read calls f once; mio.ErrWouldBlock when f asks to wait.
func (c rawConn) Read(f func(fd uintptr) bool) error { return c.once(f) }

// Write calls f once; mio.ErrWouldBlock when f asks to wait.
func (c rawConn) Write(f func(fd uintptr) bool) error { return c.once(f) }

func (c rawConn) once(f func(fd uintptr) bool) error {
	h, err := c.s.handle()
	if err != nil {
		return err
	}
	if !f(h) {
		return c.s.wouldBlock()
	}
	c.s.rearm()
	return nil
}

func (s *socket) setBool(level, opt int, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return s.setInt(level, opt, v)
}

func (s *socket) getBool(level, opt int) (bool, error) {
	v, err := s.getInt(level, opt)
	return v != 0, err
}

func (s *socket) setInt(level, opt, v int) error {
	h, err := s.sysfd()
	if err != nil {
		return err
	}
	if err := setsockoptInt(h, level, opt, v); err != nil {
		return fmt.Errorf("mio/net: setsockopt: %w", err)
	}
	return nil
}

func (s *socket) getInt(level, opt int) (int, error) {
	h, err := s.sysfd()
	if err != nil {
		return 0, err
	}
	v, err := getsockoptInt(h, level, opt)
	if err != nil {
		return 0, fmt.Errorf("mio/net: getsockopt: %w", err)
	}
	return v, nil
}

// shutdown is the common half-close of the stream and datagram types.
func (s *socket) shutdown(how Shutdown) error {
	h, err := s.sysfd()
	if err != nil {
		return err
	}
	var sd int
	switch how {
	case ShutdownRead:
		sd = shutRD
	case ShutdownWrite:
		sd = shutWR
	case ShutdownBoth:
		sd = shutRDWR
	default:
		return fmt.Errorf("mio/net: invalid shutdown mode %d", how)
	}
	if err := shutdownCall(h, sd); err != nil {
		return fmt.Errorf("mio/net: shutdown: %w", err)
	}
	return nil
}
