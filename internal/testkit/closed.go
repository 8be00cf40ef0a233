// Package testkit holds what the tests of package net and package pipe
// share: waiting for an event, a descriptor's flags, and the check that a
// value without its descriptor refuses every call.
package testkit

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gomio/mio"
)

// EveryMethodClosed calls each exported method of v with zero arguments
// (nil slices, a nil *mio.Registry, zero addresses), or with args[name]
// for a method that checks its arguments before its descriptor, and fails
// t when a call panics or when an error it returns, nil included, does not
// match mio.ErrClosed; Fd must return -1 (on Windows INVALID_SOCKET or
// INVALID_HANDLE_VALUE, ^uintptr(0)).
func EveryMethodClosed(t *testing.T, v any, args map[string][]any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	errType := reflect.TypeFor[error]()
	for i := range rv.NumMethod() {
		m, name := rv.Method(i), rv.Type().Method(i).Name
		in := make([]reflect.Value, m.Type().NumIn())
		for j := range in {
			if given, ok := args[name]; ok {
				in[j] = reflect.ValueOf(given[j])
			} else {
				in[j] = reflect.Zero(m.Type().In(j))
			}
		}
		out, panicked := call(m, in)
		if panicked != nil {
			t.Errorf("%s: panic: %v", name, panicked)
			continue
		}
		hasErr := false
		for j, o := range out {
			if m.Type().Out(j) != errType {
				continue
			}
			hasErr = true
			if err, _ := o.Interface().(error); !errors.Is(err, mio.ErrClosed) {
				t.Errorf("%s: %v, want an error matching mio.ErrClosed", name, err)
			}
		}
		if name == "Fd" && !hasErr {
			if fd := out[0].Interface(); reflect.ValueOf(fd).Convert(reflect.TypeFor[int64]()).Int() != -1 {
				t.Errorf("Fd: %v, want -1", fd)
			}
		}
	}
}

func call(m reflect.Value, args []reflect.Value) (out []reflect.Value, panicked any) {
	defer func() { panicked = recover() }()
	return m.Call(args), nil
}
