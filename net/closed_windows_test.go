package net_test

import (
	"testing"

	mnet "github.com/gomio/mio/net"
)

// osClosedValues are the named pipes' zero and closed values.
func osClosedValues(t *testing.T) []namedValue {
	closed := closedValues(t)
	return []namedValue{
		{"zero NamedPipe", new(mnet.NamedPipe)},
		{"closed NamedPipe", closed(mnet.NewNamedPipe(pipeName()))},
	}
}
