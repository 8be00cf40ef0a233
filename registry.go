package mio

import (
	"reflect"

	"github.com/gomio/mio/selector"
)

// Source is anything that can be registered with a Registry. Every socket
// type of package net implements it; a user's composite type implements it
// by delegating to the source it wraps:
//
//	func (c *Conn) Register(r *mio.Registry, t mio.Token, i mio.Interest) error {
//		return c.stream.Register(r, t, i)
//	}
//
// Users call the Registry's methods, not these directly.
type Source interface {
	Register(r *Registry, t Token, i Interest) error
	Reregister(r *Registry, t Token, i Interest) error
	Deregister(r *Registry) error
}

// Registry registers sources with a Poll. Its methods are safe to call from
// any goroutine, also while another goroutine is inside Poll.
type Registry struct {
	poll *Poll
}

// Register adds s with token t and interest i, edge-triggered: an event
// comes when readiness arrives, and the next one only after the source has
// been drained (read or written until ErrWouldBlock). Registering a source
// that is already registered, with this Poll or another, gives an error
// matching ErrAlreadyRegistered.
func (r *Registry) Register(s Source, t Token, i Interest) error {
	if err := r.check(s, i); err != nil {
		return err
	}
	return s.Register(r, t, i)
}

// Reregister replaces the token and interest of a registered source; for a
// source this Poll does not hold it gives an error matching ErrNotRegistered.
func (r *Registry) Reregister(s Source, t Token, i Interest) error {
	if err := r.check(s, i); err != nil {
		return err
	}
	return s.Reregister(r, t, i)
}

// Deregister removes s. Once it returns, no wait that starts afterwards
// reports an event for s (events already in a ring stay there). For a source
// this Poll does not hold it gives an error matching ErrNotRegistered.
func (r *Registry) Deregister(s Source) error {
	if err := r.check(s, Readable); err != nil {
		return err
	}
	return s.Deregister(r)
}

func (r *Registry) check(s Source, i Interest) error {
	if _, err := r.selector(); err != nil {
		return err
	}
	if s == nil || isNilPointer(s) {
		return ErrNilSource
	}
	if !i.Valid() {
		return ErrInvalidInterest
	}
	return nil
}

// selector is the selector behind r, or the error a registry call on r
// gives: ErrNilRegistry for a nil or zero one, ErrClosed once its Poll is
// closed (on Linux the selector itself is closed only when the Poll has
// left its wait).
func (r *Registry) selector() (*selector.Selector, error) {
	switch {
	case r == nil || r.poll == nil || r.poll.sel == nil:
		return nil, ErrNilRegistry
	case r.poll.isClosed():
		return nil, ErrClosed
	}
	return r.poll.sel, nil
}

// isNilPointer reports a Source that is a typed nil pointer, such as a nil
// *net.TCPStream, whose methods would otherwise dereference it. Registration
// is not a hot path, so reflection is affordable here.
func isNilPointer(s Source) bool {
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Selector returns the selector behind r, for Source implementations that
// need more than a descriptor (on Windows a socket's registration is an
// AFD poll the socket re-arms, and a named pipe's I/O completes through the
// selector's port); nil for a nil or zero Registry. The Poll owns the
// selector: close the Poll, never the selector itself.
func (r *Registry) Selector() *selector.Selector {
	if r == nil || r.poll == nil {
		return nil
	}
	return r.poll.sel
}
