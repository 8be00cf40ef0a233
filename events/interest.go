package events

import (
	"strconv"
	"strings"
)

// Interest is the set of readiness kinds a registration asks for. A valid
// Interest is never zero: build one from the constants and combine them with
// Add or |.
type Interest uint8

const (
	// Readable asks for read readiness (all OSes).
	Readable Interest = 1 << iota
	// Writable asks for write readiness (all OSes).
	Writable
	// Priority asks for out-of-band or priority data (EPOLLPRI, Linux only).
	Priority
	// AIO asks for POSIX AIO completions (kqueue on BSD and macOS only).
	AIO
	// LIO asks for lio_listio completions (kqueue on FreeBSD only).
	LIO
)

// interestAll holds every defined bit; anything outside it is invalid.
const interestAll = Readable | Writable | Priority | AIO | LIO

// Add returns the union of i and other.
func (i Interest) Add(other Interest) Interest { return i | other }

// Remove returns i without the kinds in other, and false when nothing would be
// left (an empty Interest is not a valid one).
func (i Interest) Remove(other Interest) (Interest, bool) {
	r := i &^ other
	return r, r != 0
}

// IsReadable reports whether i includes Readable.
func (i Interest) IsReadable() bool { return i&Readable != 0 }

// IsWritable reports whether i includes Writable.
func (i Interest) IsWritable() bool { return i&Writable != 0 }

// IsPriority reports whether i includes Priority.
func (i Interest) IsPriority() bool { return i&Priority != 0 }

// IsAIO reports whether i includes AIO.
func (i Interest) IsAIO() bool { return i&AIO != 0 }

// IsLIO reports whether i includes LIO.
func (i Interest) IsLIO() bool { return i&LIO != 0 }

// Valid reports whether i is non-zero and holds only defined kinds.
func (i Interest) Valid() bool { return i != 0 && i&^interestAll == 0 }

// String formats i as its kinds joined by " | ", for example
// "READABLE | WRITABLE". The empty set is "(empty)".
func (i Interest) String() string {
	names := [...]string{"READABLE", "WRITABLE", "PRIORITY", "AIO", "LIO"}
	var b strings.Builder
	for bit, name := range names {
		if i&(1<<bit) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(name)
	}
	if rest := i &^ interestAll; rest != 0 {
		if b.Len() > 0 {
			b.WriteString(" | ")
		}
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(uint64(rest), 16))
	}
	if b.Len() == 0 {
		return "(empty)"
	}
	return b.String()
}
