package net

// OpenBSD has no SO_NOSIGPIPE; Go's runtime ignores SIGPIPE on sockets.
const noSigpipe = 0
