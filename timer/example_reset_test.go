package timer_test

import (
	"fmt"
	"time"

	"github.com/gomio/mio/events"
	"github.com/gomio/mio/timer"
)

// An idle timeout per connection: each message pushes the connection's
// timer back, a connection that stays quiet for the whole timeout fires, and
// closing a connection cancels its timer. The clock here is stepped by hand;
// a loop passes time.Now().
func ExampleWheel_Reset() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := timer.New(time.Millisecond, start)
	const timeout = 30 * time.Second
	idle := map[events.Token]timer.ID{}
	for conn := range events.Token(3) {
		idle[conn] = w.Add(timeout, conn)
	}
	closeIdle := func(conn events.Token) {
		fmt.Println("connection", conn, "idle: closed")
		delete(idle, conn)
	}

	w.Expire(start.Add(20*time.Second), closeIdle)
	w.Reset(idle[1], timeout) // a message on connection 1
	w.Cancel(idle[2])         // connection 2 closed by its peer
	delete(idle, 2)

	w.Expire(start.Add(40*time.Second), closeIdle)
	fmt.Println("pending:", w.Len(), "next in", w.Next())
	w.Expire(start.Add(50*time.Second), closeIdle)
	// Output:
	// connection 0 idle: closed
	// pending: 1 next in 10s
	// connection 1 idle: closed
}
