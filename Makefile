# Entry points for kpv; the real work is in scripts/ so it also runs without make.
.DEFAULT_GOAL := build
.PHONY: build up test bench vet fmt clean

# A fresh shell may not have Go on PATH yet.
export PATH := $(PATH):/usr/local/go/bin

# Extra go test args, e.g. make test ARGS='-run Foo ./store/' or
# make bench ARGS='-bench BenchmarkRefresh$ -benchtime 1x ./store/'. They reach the
# script as typed: $(value ARGS) keeps make from eating a `$` (a regexp's end);
# the shell reads them, so quote a regexp with `|`: ARGS="-run 'A|B' ./test/".
ARGS ?=

build:
	go build -o bin/kpv ./cmd/kpv

# Postgres + kpv in the foreground; Ctrl-C stops everything.
up:
	bash scripts/up.sh

# All tests against a throwaway Postgres; skipped tests count as failures.
test:
	bash scripts/test.sh $(value ARGS)

# Benchmarks against a throwaway Postgres, with their ratios; raw results in build/bench.txt.
bench:
	bash scripts/bench.sh $(value ARGS)

vet:
	go vet ./...

# Check only: list unformatted files and fail; fix them with gofmt -w.
fmt:
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then echo "gofmt needed (run gofmt -w):"; echo "$$files"; exit 1; fi

clean:
	bash scripts/postgres.sh stop "$${KPV_DATA_DIR:-.kpv}/pg"
	rm -rf bin build
