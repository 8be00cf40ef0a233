//go:build !race

package mio_test

const raceEnabled = false
