# The two commands a newcomer needs:
#   make run    serve the embedded sample at rtsp://<host>:8554/test
#   make test   install the players the tests need (Debian packages) and run
#               gofmt, go vet, every fuzz target briefly, and every test with
#               the race detector (conformance tests with real players included)
GO ?= go
FUZZTIME ?= 10s

.PHONY: run test deps check-fmt vet fuzz-ci fuzz bench bench-unit

run:
	$(GO) run ./cmd/rtspd

test: deps check-fmt vet
	./scripts/fuzz-ci.sh
	RTSPKIT_REQUIRE_PLAYERS=1 $(GO) test -race -count=1 ./...

# Every fuzz target for a slice of ~100 s in all (part of make test).
fuzz-ci:
	./scripts/fuzz-ci.sh

deps:
	./scripts/install-deps.sh

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Every fuzz target for FUZZTIME each (make fuzz FUZZTIME=1h for a campaign).
fuzz:
	./scripts/fuzz-all.sh $(FUZZTIME)

# Side by side with gortsplib and pion (the bench/ module): micro benchmarks
# and the load benchmark, one table, about 2.5 minutes. BENCHFLAGS=-quick
# for a 40 s run; -readme README.md refreshes bench/README.md's table.
bench:
	cd bench && $(GO) run ./cmd/benchall $(BENCHFLAGS)

# The main module's own benchmarks.
bench-unit:
	$(GO) test -run '^$$' -bench . -benchmem ./...
