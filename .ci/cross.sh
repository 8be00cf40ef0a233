#!/usr/bin/env bash
# make cross: vet every package and build every package's tests for each
# target of `go tool dist list`, except js and plan9 (no system to poll) and
# the targets the toolchain links only with cgo (ios, and android other than
# arm64). Targets run two at a time (JOBS); a failing target prints its
# output and fails the run after the others have finished.
# Usage: .ci/cross.sh [goos/goarch ...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
JOBS=${JOBS:-2}
export GOFLAGS=${GOFLAGS:--buildvcs=false}

targets() {
	$GO tool dist list | grep -Ev '^(js|plan9|ios)/|^android/(386|amd64|arm)$'
}

one() {
	local t=$1 os=${1%/*} arch=${1#*/} out
	if out=$({
		GOOS=$os GOARCH=$arch $GO vet ./... &&
			GOOS=$os GOARCH=$arch $GO test -count=1 -c -o /dev/null ./... >/dev/null
	} 2>&1); then
		echo "cross $t: ok"
	else
		printf 'cross %s: FAILED\n%s\n' "$t" "$out"
		return 1
	fi
}
export -f one
export GO

if [ $# -eq 0 ]; then set -- $(targets); fi
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} bash -c 'one {}'
