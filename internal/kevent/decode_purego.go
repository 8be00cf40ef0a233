//go:build !(amd64 || arm64) || purego

package kevent

import "github.com/gomio/mio/events"

func decode(dst *events.Event, src *byte, n int, l *Layout) { decodeGeneric(dst, src, n, l) }

const generatedDecoder = false
