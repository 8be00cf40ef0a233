package selector_test

import (
	"testing"

	"github.com/gomio/mio/selector"
)

// newSelector returns a selector that the test closes when it ends.
func newSelector(t *testing.T) *selector.Selector {
	t.Helper()
	s, err := selector.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
