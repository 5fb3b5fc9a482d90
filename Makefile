# RecomEngine developer and CI entry points (GNU make 4.3+).
#
#   make run     build the dashboard and SDK when Node is present, then build and serve
#                (extra flags for serve: make run ARGS='...')
#   make build   the same builds, without serving: bin/recomengine
#   make demo    the same builds, then `recomengine demo`: a real shop loaded, and a storefront showing the SDK
#   make test    build the SDK (with Node), go vet, every Go test with coverage (>= COVERAGE_MIN, default 80), then
#                again with -race in -short mode (the slow quality tests run only in the first),
#                then the web/ and sdk/ tests (npm ci && npm test) when those exist
#   make bench   Go benchmarks, then the ingestion and recommendation load tests on PostgreSQL + Redis
#   make lint    gofmt and go vet
#   make clean   remove build and test output
#
# Only Go is required: without Node the JavaScript steps are skipped with a warning and the
# binary serves a "dashboard not built" page (web/dist/.gitkeep).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
MAKEFLAGS += --no-builtin-rules --no-print-directory

GO ?= go
BIN := bin/recomengine
# The SDK builds first: the dashboard's widget preview may use its bundle.
JS_DIRS := sdk web
# Go files of ours; node_modules may hold .go files (the npm package flatted does).
GO_FILES = $$(find . -name '*.go' -not -path './.git/*' -not -path '*/node_modules/*')

.PHONY: run demo build build-js test test-go test-js bench lint clean go-scope

run: build
	./$(BIN) serve $(ARGS)

demo: build
	./$(BIN) demo $(ARGS)

build: build-js
	$(GO) build -o $(BIN) ./cmd/recomengine

build-js:
	@for d in $(JS_DIRS); do scripts/npm.sh build "$$d"; done

test: test-go test-js

# The SDK is built first: the binary embeds it, and the demo's test needs it.
test-go: go-scope build-js
	$(GO) vet ./...
	$(GO) test -count=1 -coverpkg=./... -coverprofile=coverage.out ./...
	scripts/coverage.sh coverage.out
	$(GO) test -race -short -count=1 ./...

test-js:
	@for d in $(JS_DIRS); do scripts/npm.sh test "$$d"; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
	scripts/bench.sh

lint: go-scope
	@unformatted="$$(gofmt -l $(GO_FILES))"; \
	if [[ -n "$$unformatted" ]]; then \
		echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet ./...

# go-scope fails when ./... reaches into node_modules, which would put npm packages'
# Go files into vet, tests and the coverage total; go.mod's `ignore node_modules` fixes it.
go-scope:
	@if $(GO) list -e ./... 2>/dev/null | grep /node_modules/ >/dev/null; then \
		echo "go: ./... includes node_modules; add 'ignore node_modules' to go.mod" >&2; exit 1; \
	fi

clean:
	rm -rf bin coverage.out
	find web/dist -mindepth 1 -not -name .gitkeep -delete 2>/dev/null || true
	find sdk/dist -mindepth 1 -not -name .gitkeep -delete 2>/dev/null || true
