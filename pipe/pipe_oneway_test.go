//go:build unix && !freebsd && !dragonfly

package pipe_test

// pipesOneWay: a pipe's read end cannot be written and its write end cannot
// be read (FreeBSD's and DragonFly's pipes are open both ways at both ends).
const pipesOneWay = true
