// Package bench measures mio side by side with the baselines a Go user would
// otherwise pick, in one run, with go test -bench. Every benchmark is named
// Benchmark<What>/impl=<name>/..., so that benchstat -col /impl prints this
// library beside each baseline with the ratio and its confidence.
//
// It is a module of its own so that the peers it measures against never
// become dependencies of the library's users.
package bench
