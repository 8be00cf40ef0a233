package main

import (
	"os"
	"testing"
)

// openFds counts the process's open descriptors.
func openFds(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// logOpenFds lists them, to show what leaked.
func logOpenFds(t *testing.T) {
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		t.Logf("open: fd %s -> %s", e.Name(), l)
	}
}
