# mio for Go. `make test` runs every test; `make bench` is the benchmark comparison.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
export GOFLAGS := -buildvcs=false

# Benchmark knobs: quick by default, thorough with e.g. BENCHTIME=1s COUNT=20.
BENCHTIME ?= 200ms
COUNT ?= 6
# How long each fuzz target runs under `make fuzz`.
FUZZTIME ?= 30s
# make cross: every target of `go tool dist list` but js, plan9 and the
# cgo-only ones (see .ci/cross.sh); CROSS_TARGETS="os/arch ..." narrows it.
CROSS_TARGETS ?=

GENERATED := poll_amd64.s poll_arm64.s internal/rawsys/rawsys_amd64.s internal/rawsys/rawsys_arm64.s \
	internal/kevent/decode_amd64.s internal/kevent/decode_arm64.s \
	internal/iocp/decode_amd64.s internal/iocp/decode_arm64.s \
	hotpath_decl_amd64.go hotpath_decl_arm64.go internal/rawsys/rawsys_decl_amd64.go internal/rawsys/rawsys_decl_arm64.go \
	internal/kevent/decode_decl_amd64.go internal/kevent/decode_decl_arm64.go \
	internal/iocp/decode_decl_amd64.go internal/iocp/decode_decl_arm64.go

.PHONY: all generate check-generate test test-race test-purego test-poll test-386 test-arm64 test-arm test-s390x test-windows test-wasip1 test-modules cross bench peerbench proxybench proxysyscalls proxybench-idle soak fuzz lint ensure-qemu

all: test

## generate: regenerate the assembly from asm/ (the source of truth), with
## the //go:generate lines of hotpath.go, one per generated file
generate:
	$(GO) generate -run 'cd asm && go run ' .

## check-generate: fail if the committed generated files differ from what
## generate writes, or if generate writes a file that is not committed
check-generate: generate
	git diff --exit-code -- $(GENERATED) || { echo "generated files are stale: run make generate and commit"; exit 1; }
	@untracked=$$(git ls-files --others --exclude-standard -- $(GENERATED)); \
	if [ -n "$$untracked" ]; then echo "generated files not committed: $$untracked"; exit 1; fi
	@listed=$$(grep -o -- '-out [^ ]*\|-godecl [^ "]*' hotpath.go | wc -l); \
	if [ "$$listed" != "$(words $(GENERATED))" ]; then echo "hotpath.go generates $$listed files, GENERATED lists $(words $(GENERATED))"; exit 1; fi

## test: vet, race tests, purego tests, the suite over the poll(2) backend,
## linux/386 natively, arm64, armv7 and s390x (big-endian) under qemu, Windows
## tests under Wine, wasip1 tests under wazero, cross builds, generated code
## current
test: lint test-race test-purego test-poll test-386 test-arm64 test-arm test-s390x test-windows test-wasip1 test-modules cross check-generate
	@echo "make test: all passed"

test-race:
	$(GO) test -race -count=1 ./...

test-purego:
	$(GO) test -tags purego -count=1 ./...

ensure-qemu:
	@command -v qemu-aarch64-static >/dev/null || { \
		echo "installing qemu-user-static for the arm64 tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null; }

## test-poll: every test over the poll(2) backend (AIX's, Solaris's and
## illumos's), which the tag mio_poll selects on Linux too
test-poll:
	$(GO) test -tags mio_poll -count=1 ./...

## test-386: the whole suite as 32-bit x86, which an amd64 kernel runs natively
test-386:
	GOARCH=386 $(GO) test -count=1 ./...

test-arm64: ensure-qemu
	GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64-static ./...

# The whole suite runs under the 32-bit ARM and the big-endian s390x
# emulators too: about a minute each from a cold build cache on this 2-core
# machine. EMULATED_PKGS narrows it (e.g. to . ./net) for a quick look.
EMULATED_PKGS ?= ./...

## test-arm: armv7 (GOARM=7) under qemu-arm-static
test-arm: ensure-qemu
	GOARCH=arm GOARM=7 $(GO) test -count=1 -exec qemu-arm-static $(EMULATED_PKGS)

## test-s390x: big-endian, under qemu-s390x-static
test-s390x: ensure-qemu
	GOARCH=s390x $(GO) test -count=1 -exec qemu-s390x-static $(EMULATED_PKGS)

## test-windows: the Windows build's tests under Wine 8 (the prefix, Wine and
## mingw are prepared by .ci/wine/setup.sh); skipped, saying why, where Wine
## cannot run them.
WINE_PREFIX ?= $(HOME)/.cache/mio-wine
test-windows:
	@if [ "$$($(GO) env GOHOSTARCH)" != amd64 ] || [ "$$($(GO) env GOHOSTOS)" != linux ]; then \
		echo "test-windows: SKIPPED: Wine runs windows/amd64 test binaries on linux/amd64 hosts only"; exit 0; fi; \
	if ! bash .ci/wine/setup.sh $(WINE_PREFIX); then \
		echo "test-windows: SKIPPED: Wine could not be installed or prepared (see above)"; exit 0; fi; \
	WINEPREFIX=$(WINE_PREFIX) WINEDEBUG=-all GOOS=windows GOARCH=amd64 \
		$(GO) test -count=1 -exec /usr/lib/wine/wine64 ./...

## test-wasip1: the packages that run on WASI Preview 1, as wasip1/wasm
## under wazero: internal/wasirun (a module of its own, so that users never
## download wazero) is go test's -exec runner, which mounts the file system,
## passes the environment and pre-opens the TCP listeners net's tests accept
## from (see its doc comment); the runner's own tests run first
WASIRUN := $(CURDIR)/internal/wasirun/wasirun
WASIP1_PKGS ?= . ./events ./selector ./net ./timer ./internal/ownedfd
test-wasip1:
	cd internal/wasirun && $(GO) test -count=1 . && $(GO) build -o $(WASIRUN) .
	GOOS=wasip1 GOARCH=wasm $(GO) test -count=1 -exec $(WASIRUN) $(WASIP1_PKGS)

## test-modules: the generator, benchmark and wasip1 runner modules build and
## vet, and every benchmark runs once
test-modules:
	cd asm && $(GO) vet ./...
	cd internal/wasirun && $(GO) vet ./...
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -bench . -benchtime 1x ./... >/dev/null
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x . >/dev/null

## cross: vet every package and build its tests for every target (.ci/cross.sh)
cross:
	GO=$(GO) bash .ci/cross.sh $(CROSS_TARGETS)

## lint: gofmt and go vet on every module
lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt: $$bad"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags purego ./...
	$(GO) vet -tags mio_poll ./...

# Micro-benchmarks run on one pinned CPU with one P: on a small shared machine
# that is what keeps a 3 % difference measurable.
PIN := $(shell command -v taskset >/dev/null && echo "taskset -c 1")
BENCHENV := GOMAXPROCS=1 $(PIN)
PEERBENCH ?= ../shared/peerbench

## bench: the comparison table, printed and written to bench/results/latest.md
## (with ratios.svg, and benchstat's full output in latest.txt). Poll(0) runs
## twice: pinned with one P as above, and unpinned with the default
## GOMAXPROCS, as a user's program runs. A benchmark that cannot run skips,
## saying why, and the report lists it; the others still report. The COUNT
## samples of each benchmark come from COUNT rounds over all of them, not
## COUNT runs in a row: a machine whose speed drifts (another tenant, a
## neighbour's build) then shifts every side of a ratio alike.
POLL0 := 'BenchmarkPoll/impl=(mio|raw|xsys|xsys-wait)/ready=0$$'
bench:
	@mkdir -p bench/results/bin
	$(GO) test -c -o bench/results/bin/mio.test .
	cd bench && $(GO) test -c -o results/bin/bench.test .
	@: > bench/results/raw.txt; : > bench/results/raw-unpinned.txt
	for round in $$(seq $(COUNT)); do \
		echo "# round $$round of $(COUNT)"; \
		$(BENCHENV) bench/results/bin/mio.test -test.run '^$$' -test.bench . -test.benchtime $(BENCHTIME) | tee -a bench/results/raw.txt; \
		(cd bench && $(BENCHENV) results/bin/bench.test -test.run '^$$' -test.bench . -test.benchtime $(BENCHTIME) | tee -a results/raw.txt); \
		(cd bench && results/bin/bench.test -test.run '^$$' -test.bench $(POLL0) -test.benchtime $(BENCHTIME) | tee -a results/raw-unpinned.txt); \
	done
	cd bench && $(GO) tool benchstat -col /impl results/raw.txt > results/latest.txt
	cd bench && $(GO) run ./cmd/report -in results/raw.txt -unpinned results/raw-unpinned.txt -md results/latest.md -svg results/ratios.svg

## peerbench: examples/echo beside C epoll, Rust mio, Go net, gnet, netpoll and nbio
peerbench:
	$(GO) build -o bench/results/mio-echo ./examples/echo
	EXTRA_SERVER="$(CURDIR)/bench/results/mio-echo -addr 127.0.0.1:{PORT}" EXTRA_NAME=mio \
		bash $(PEERBENCH)/run.sh | tee bench/results/peerbench.txt

## proxybench: examples/proxy beside HAProxy, nginx and Go's io.Copy, through
## peerbench's proxy.sh (client -> proxy -> C epoll echo); the table goes to
## bench/results/proxybench.txt
proxybench:
	$(GO) build -o bench/results/mio-proxy ./examples/proxy
	EXTRA_PROXY="$(CURDIR)/bench/results/mio-proxy -listen {LISTEN} -upstream {UPSTREAM}" EXTRA_NAME=mio \
		bash $(PEERBENCH)/proxy.sh | tee bench/results/proxybench.txt

## proxysyscalls: system calls per round trip of examples/proxy, HAProxy and
## nginx under strace -c -f, each case of proxybench; in
## bench/results/proxy-syscalls.txt (run make proxybench first: it installs them)
proxysyscalls:
	$(GO) build -o bench/results/mio-proxy ./examples/proxy
	bash bench/proxy-syscalls.sh $(PEERBENCH) $(CURDIR)/bench/results/mio-proxy | tee bench/results/proxy-syscalls.txt

## proxybench-idle: PAIRS idle pairs through examples/proxy at once, each
## checked byte for byte before and after idling: descriptors and heap per
## pair, in bench/results/proxybench-idle.txt. A proxy needs two descriptors a
## pair and a few of its own; where the hard ulimit -n is below that, the test
## spreads the pairs over proxy processes sharing the address (-reuseport),
## as a deployment under that limit would. The clients (this process) need
## PAIRS and a few.
PAIRS ?= 10000
proxybench-idle:
	ulimit -n $$((2 * $(PAIRS) + 64)) 2>/dev/null || ulimit -n $$(ulimit -Hn); \
	MIO_PROXY_PAIRS=$(PAIRS) $(GO) test -count=1 -timeout 30m -run '^TestProxyIdlePairs$$' -v ./examples/proxy \
		| grep -v '^    .*proxy: ' | tee bench/results/proxybench-idle.txt

## soak: the echo example under mixed load for SOAK (10m), reporting every 10 s
SOAK ?= 10m
soak:
	SOAK=$(SOAK) $(GO) test -count=1 -timeout 0 -run '^TestSoak$$' -v ./examples/echo

## fuzz: run every fuzz target for FUZZTIME
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEpoll$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzRegistryModel$$' -fuzztime $(FUZZTIME) .
	$(GO) test -run '^$$' -fuzz '^FuzzInterestAlgebra$$' -fuzztime $(FUZZTIME) ./events
	$(GO) test -run '^$$' -fuzz '^FuzzSyscall6$$' -fuzztime $(FUZZTIME) ./internal/rawsys
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeKevent$$' -fuzztime $(FUZZTIME) ./internal/kevent
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeOverlappedEntries$$' -fuzztime $(FUZZTIME) ./internal/iocp
