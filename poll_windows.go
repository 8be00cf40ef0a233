package mio

// HasMicrosecondTimeouts reports false: GetQueuedCompletionStatusEx takes
// milliseconds, and timeouts round up to the next one.
func HasMicrosecondTimeouts() bool { return false }
