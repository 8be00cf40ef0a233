//go:build !(amd64 || arm64) || purego

package iocp

import "github.com/gomio/mio/events"

func decodeAFD(dst *events.Event, src *Entry, n int, table *[FlagIndexMask + 1]uint8, repoll *uint32) (decoded, rest, repolls int) {
	return decodeAFDGeneric(dst, src, n, table, repoll)
}
