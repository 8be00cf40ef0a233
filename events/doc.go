// Package events is the vocabulary of the poller: the Token a user attaches to a
// registration, the Interest it asks for, the Event the selector reports, and the
// fixed-capacity Events ring that a Poll fills.
//
// It is pure Go with no operating-system code, so that the root package, the
// per-OS selectors and the generated decoders can share one definition of an
// event. The root package mio re-exports every name here.
package events
