//go:build unix || windows || wasip1

package mio_test

import (
	"fmt"
	"log"

	"github.com/gomio/mio"
)

// A Waker lets another goroutine interrupt a Poll, for instance to hand the
// loop work or to stop it.
func ExampleNewWaker() {
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	const wake mio.Token = 1
	waker, err := mio.NewWaker(poll.Registry(), wake)
	if err != nil {
		log.Fatal(err)
	}
	defer waker.Close()

	go waker.Wake() // from any goroutine
	events := mio.NewEvents(8)
	if err := poll.Poll(events, -1); err != nil {
		log.Fatal(err)
	}
	for ev := range events.Drain() {
		fmt.Println(ev.Token() == wake, ev.IsReadable())
	}
	// Output: true true
}
