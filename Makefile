# The two commands a newcomer needs:
#   make run    serve the embedded sample at rtsp://<host>:8554/test
#   make test   install what the tests need (players from Debian's packages)
#               and run gofmt, go vet, staticcheck (go run, pinned), every fuzz
#               target briefly, every test with the race detector, then the
#               conformance suite with real players (scripts/test.sh)
GO ?= go
FUZZTIME ?= 10s

.PHONY: run test deps check-fmt vet fuzz-ci fuzz bench bench-unit soak cross capi

# Built, then run in place of the recipe's shell (exec): Ctrl-C goes to
# rtspd, which stops cleanly and exits 0, so make has no error to report
# (go run would exit 1 on the signal). ARGS="-video x.h264" passes flags.
run:
	$(GO) build -o bin/rtspd ./cmd/rtspd
	exec ./bin/rtspd $(ARGS)

# The phases, their order and their times: scripts/test.sh.
test:
	GO=$(GO) ./scripts/test.sh

# Every fuzz target, about 100 s in all including the build (about 110 s
# from a cold build cache; see scripts/fuzz-ci.sh). Part of make test.
fuzz-ci:
	./scripts/fuzz-ci.sh

deps:
	./scripts/install-deps.sh

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Every fuzz target for FUZZTIME each (make fuzz FUZZTIME=1h for a
# campaign); every target runs even if one fails; FUZZ_CI_TARGETS=regexp for
# some only.
fuzz:
	./scripts/fuzz-all.sh $(FUZZTIME)

# Side by side with gortsplib and pion (the bench/ module): micro benchmarks
# and the load benchmark, about 2.5 minutes. It rewrites the results in
# bench/README.md and the summary in README.md (never edit those by hand).
# BENCHFLAGS=-quick for a 40 s smoke run.
bench:
	cd bench && $(GO) run ./cmd/benchall -readme README.md -summary ../README.md $(BENCHFLAGS)

# Static rtspd binaries for the boards: dist/rtspd-linux-<arch> for riscv64
# (the K230), arm64 and arm (GOARM=7), stripped, without cgo.
CROSS_ARCHS ?= riscv64 arm64 arm
cross:
	@mkdir -p dist
	@for a in $(CROSS_ARCHS); do \
		GOOS=linux GOARCH=$$a GOARM=7 CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o dist/rtspd-linux-$$a ./cmd/rtspd || exit 1; \
		ls -l dist/rtspd-linux-$$a | awk '{printf "%-28s %5.1f MB\n", $$NF, $$5/1048576}'; \
	done

# The C library with the board's C interface (capi/rtspkit.h):
# dist/capi/<arch>/librtspkit.a and .so, and dist/capi/rtspkit.h, for amd64
# and riscv64 (CAPI_ARCHS="amd64 riscv64 arm64" for more); see
# scripts/capi.sh.
capi:
	GO=$(GO) ./scripts/capi.sh

# An hour of players joining and leaving, watching the server's RSS,
# goroutines and file descriptors every minute; fails on growth. Not part
# of make test. SOAKFLAGS="-d 5m -every 10s" for a quick look.
soak:
	$(GO) run ./internal/cmd/soak $(SOAKFLAGS)

# The main module's own benchmarks.
bench-unit:
	$(GO) test -run '^$$' -bench . -benchmem ./...
