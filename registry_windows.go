package mio

import (
	"github.com/gomio/mio/internal/hook"
	"github.com/gomio/mio/selector"
)

func init() {
	hook.SelectorOf = func(registry any) *selector.Selector {
		r, _ := registry.(*Registry)
		if r == nil || r.poll == nil {
			return nil
		}
		return r.poll.sel
	}
}
