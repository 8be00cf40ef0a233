package mio

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
