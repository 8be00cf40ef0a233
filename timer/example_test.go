//go:build unix || windows

package timer_test

import (
	"fmt"
	"log"
	"time"

	"github.com/gomio/mio"
	"github.com/gomio/mio/timer"
)

// An event loop sleeps in Poll for as long as the wheel allows, then fires
// what is due. Here no descriptor is registered, so only the timer ends the
// wait.
func Example() {
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	events := mio.NewEvents(64)

	const idle mio.Token = 7
	w := timer.New(time.Millisecond, time.Now())
	w.Add(20*time.Millisecond, idle)
	for w.Len() > 0 {
		if err := poll.Poll(events, w.Next()); err != nil {
			log.Fatal(err)
		}
		events.Clear() // a real loop handles its events here
		w.Expire(time.Now(), func(t mio.Token) {
			fmt.Println("timer", t, "fired")
		})
	}
	fmt.Println("Next with nothing pending:", w.Next())
	// Output:
	// timer 7 fired
	// Next with nothing pending: -1ns
}
