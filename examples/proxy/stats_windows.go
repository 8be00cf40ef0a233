package main

import "os"

// statsSignal: Windows has no SIGUSR1, and the proxy no figures to log.
func statsSignal() <-chan os.Signal { return nil }

// openDescriptors is -1: Windows does not list a process's handles cheaply.
func openDescriptors() int { return -1 }
