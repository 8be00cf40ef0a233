// Package hook lets package net reach the selector behind a *mio.Registry
// without widening the public API. On Windows a socket's registration is
// more than a descriptor number: the socket keeps its AFD poll state and
// re-arms it after a would-block, so it needs the selector itself.
package hook

import "github.com/gomio/mio/selector"

// SelectorOf returns the selector of a *mio.Registry, or nil for a nil or
// zero registry. Package mio sets it at init.
var SelectorOf func(registry any) *selector.Selector
