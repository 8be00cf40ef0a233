package events

// Token identifies a registration. It is chosen by the user, carried through
// the kernel untouched and returned with every event of that registration.
// Every value is legal, 0 and ^Token(0) included.
type Token uint64
