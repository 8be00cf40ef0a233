package mio

import "github.com/gomio/mio/events"

// The vocabulary lives in package events; these aliases let a user import
// only mio.
type (
	// Token identifies a registration; see events.Token.
	Token = events.Token
	// Interest is the readiness a registration asks for; see events.Interest.
	Interest = events.Interest
	// Event is one readiness report; see events.Event.
	Event = events.Event
	// Events is the fixed-capacity ring a Poll fills; see events.Events.
	Events = events.Events
)

// The Interest constants; see package events.
const (
	Readable = events.Readable
	Writable = events.Writable
	Priority = events.Priority
	AIO      = events.AIO
	LIO      = events.LIO
)

// NewEvents returns a ring that holds up to capacity events; it is events.New.
func NewEvents(capacity int) *Events { return events.New(capacity) }
