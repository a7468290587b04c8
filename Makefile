# upchain: `make test` installs what the tests need and runs all of them,
# lint included. `make run` runs `upchain demo` (offline: a simulated network).
GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
PKGS      := ./...
# Integration tests start real nodes, Prometheus and Chromium.
TAGS      := integration

.PHONY: all build run test test-unit test-integration deps lint fmt bench screenshots clean

all: build

build:
	$(GO) build -o upchain .

run: build
	./upchain demo

deps:
	./.ci/deps

# The daemon's packages run again under the race detector: their goroutines
# share state, and an ordering bug there only shows now and then otherwise.
RACE_PKGS := ./prober/daemon/...

test: deps lint
	$(GO) test -count=1 -tags '$(TAGS)' -timeout 30m $(PKGS)
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

test-unit:
	$(GO) test -count=1 $(PKGS)

test-integration: deps
	$(GO) test -count=1 -tags '$(TAGS)' -run Integration -timeout 30m $(PKGS)

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet -tags '$(TAGS)' $(PKGS)
	staticcheck -tags '$(TAGS)' $(PKGS)
	@if ls .github/workflows/*.yml >/dev/null 2>&1; then actionlint; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

# Benchmarks print figures; they assert nothing about time.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 60m $(PKGS)

screenshots: build
	$(GO) test -tags '$(TAGS)' -run TestIntegrationDemoSiteInChromium -count=1 ./prober/demo/ -args -screenshots=$(CURDIR)/bench-out/screenshots
	$(GO) test -tags '$(TAGS)' -run TestIntegrationScreenshots -count=1 ./sitegen/ -args -screenshots=$(CURDIR)/bench-out/screenshots

clean:
	rm -rf upchain public bench-out
