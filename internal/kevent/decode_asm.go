//go:build (amd64 || arm64) && !purego

package kevent

// decode is generated assembly (decode_amd64.s, decode_arm64.s), declared in
// the generated decode_decl_*.go.

// generatedDecoder reports whether the generated decoder is in this build.
const generatedDecoder = true
