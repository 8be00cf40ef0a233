package mio

// waitTakesTimespec: poll_oneoff's clock subscription counts nanoseconds,
// and the selector's Wait sleeps to the nanosecond of what is left.
const waitTakesTimespec = true
