//go:build freebsd || dragonfly

package pipe_test

// pipesOneWay: FreeBSD's and DragonFly's pipes are open both ways at both
// ends, so either end passes either direction's check.
const pipesOneWay = false
