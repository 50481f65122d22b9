# The two commands of the README: `make run` and `make test`. Each installs what is missing.
# For the inner loop: `make unit` (build + unit tests) and `make quick` (+ the HTTP suite on SQLite);
# `make format` reformats the C++, `make tidy` runs clang-tidy (make test checks both).
SHELL := /bin/bash
JOBS ?= 2
BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
export CCACHE_DIR ?= $(CURDIR)/.ccache

.PHONY: deps build run test unit quick integration browser asan bench clean format tidy fuzz

deps:
	@scripts/install-deps.sh

build: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p var
	$(BUILD)/mina migrate >/dev/null
	$(BUILD)/mina admin demo --with-reports
	exec $(BUILD)/mina serve

test: deps
	@scripts/test.sh

unit: build
	cd $(BUILD) && ctest -LE postgres -j $(JOBS) --output-on-failure

quick: unit
	MINA_TEST_BACKEND=sqlite MINA_BIN=$(CURDIR)/$(BUILD)/mina node --test --test-concurrency=$(JOBS) tests/http/

format:
	@scripts/format.sh

tidy: build
	@JOBS=$(JOBS) BUILD=$(BUILD) scripts/tidy.sh

# Every libFuzzer harness at length (FUZZ_SECONDS each; docs/FUZZING.md).
FUZZ_SECONDS ?= 600
fuzz: deps
	@scripts/fuzz.sh --long $(FUZZ_SECONDS)

bench: build
	@bench/run.sh
	@bench/pg.sh
	@bench/studietider.sh
	@bench/reports.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
