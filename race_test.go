//go:build race

package mio_test

const raceEnabled = true
