package main

import "golang.org/x/sys/unix"

// threadID is the polling thread's id, for the signal-storm test's tgkill.
func threadID() int { return unix.Gettid() }
