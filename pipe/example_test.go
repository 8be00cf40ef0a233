//go:build unix

package pipe_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"time"

	"github.com/gomio/mio"
	"github.com/gomio/mio/pipe"
)

// A child process driven from an event loop: its standard input fed through
// a Sender, its standard output read from a Receiver, both over one Poll.
func Example() {
	childIn, in, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	out, childOut, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command("cat")
	cmd.Stdin, cmd.Stdout = childIn, childOut
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	childIn.Close() // the child's ends are the child's now
	childOut.Close()
	sender, err := pipe.SenderFromFile(in)
	if err != nil {
		log.Fatal(err)
	}
	receiver, err := pipe.ReceiverFromFile(out)
	if err != nil {
		log.Fatal(err)
	}
	defer receiver.Close()

	const (
		stdin mio.Token = iota
		stdout
	)
	poll, err := mio.New()
	if err != nil {
		log.Fatal(err)
	}
	defer poll.Close()
	poll.Registry().Register(sender, stdin, mio.Writable)
	poll.Registry().Register(receiver, stdout, mio.Readable)

	msg := []byte("hello from the loop\n")
	var got []byte
	buf := make([]byte, 4096)
	events := mio.NewEvents(8)
	for {
		if err := poll.Poll(events, 5*time.Second); err != nil {
			log.Fatal(err)
		}
		if events.IsEmpty() {
			log.Fatal("the child is silent")
		}
		for ev := range events.Drain() {
			switch ev.Token() {
			case stdin:
				for len(msg) > 0 {
					n, err := sender.Write(msg)
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err != nil {
						log.Fatal(err)
					}
					msg = msg[n:]
				}
				if len(msg) == 0 {
					poll.Registry().Deregister(sender)
					sender.Close() // cat sees the end of its input
				}
			case stdout:
				for {
					n, err := receiver.Read(buf)
					got = append(got, buf[:n]...)
					if err == io.EOF {
						cmd.Wait()
						fmt.Printf("%s", got)
						return
					}
					if errors.Is(err, mio.ErrWouldBlock) {
						break
					}
					if err != nil {
						log.Fatal(err)
					}
				}
			}
		}
	}
	// Output: hello from the loop
}
