//go:build !linux

package main

// threadID is only needed by Linux's signal-storm test.
func threadID() int { return 0 }
