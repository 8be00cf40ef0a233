//go:build !(amd64 || arm64) || purego

package iocp

import "github.com/gomio/mio/events"

func decodeFlags(evs *events.Event, n int, table *[FlagIndexMask + 1]uint8) {
	decodeFlagsGeneric(evs, n, table)
}
