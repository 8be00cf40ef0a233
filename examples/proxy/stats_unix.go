//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// statsSignal delivers SIGUSR1, on which the proxy logs its figures.
func statsSignal() <-chan os.Signal {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	return c
}

// openDescriptors counts the process's descriptors (-1 where the system
// does not list them in /dev/fd).
func openDescriptors() int {
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1 // the directory read itself holds one
}
