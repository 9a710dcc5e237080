# kanon: `make demo` runs the main job, `make test` runs every test.
# Both install what they need first (scripts/install-deps, apt-get, idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
LINT_BUILD ?= build-lint
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
export ASAN_BUILD TSAN_BUILD LINT_BUILD JOBS

.PHONY: all deps build install deb test-package test check test-unit test-e2e test-asan test-tsan demo bench format lint clean fuzz

all: build

deps:
	@scripts/install-deps

# The optimised tree: `make demo`, the benchmarks, and what you install.
build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

# The optimised kanon into PREFIX/bin (default /usr/local; DESTDIR works too).
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package (CPack, its Depends computed by dpkg-shlibdeps):
# $(DEB_BUILD)/kanon_VERSION_ARCH.deb, a Release build installed under /usr.
DEB_BUILD ?= build-deb
deb: deps
	@scripts/install-deps dpkg-dev file
	@cmake -S . -B $(DEB_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(DEB_BUILD) -j$(JOBS) --target kanon kanon_docs -- --no-print-directory
	@cd $(DEB_BUILD) && rm -f kanon_*.deb && cpack -G DEB >/dev/null && ls -1 $$PWD/kanon_*.deb

# The package on a clean Debian 12 root made with debootstrap: installed with
# apt, then `kanon --version` and `kanon check` of examples/web-core inside
# it, and the Dockerfile's runtime packages checked against its Depends.
# Kept out of `make test` (it needs the network to Debian's mirror, ~2 min).
test-package: deb
	@scripts/install-deps debootstrap
	@scripts/test-package $(DEB_BUILD)

# Every test (scripts/test): the format check, every test, unit and
# end-to-end, under ASan+UBSan (the e2e tests drive the sanitized kanon and
# simulator), the threaded suites under TSan, and clang-tidy; then a table of
# the phases' wall seconds. Compiles go through ccache when it is there, and
# clang-tidy skips what it found clean before, so a second clone of the same
# commit compiles and lints almost nothing.
test:
	@scripts/test

# The inner loop: the ASan tree, its unit tests and the e2e tests of what
# the change touches (scripts/affected-e2e; E2E="release status" or E2E=all).
check:
	@scripts/test check

# One group of tests in one tree, for when you know what you want.
test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L unit

test-e2e: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L e2e

test-asan:
	@scripts/test asan

test-tsan:
	@scripts/test tsan

# The whole flow on a sandbox in a temporary directory (kanon demo --help).
# Only what the demo runs: kanon (the sandbox is part of it), not the tests
# or the benchmarks, so a fresh clone reaches the pipeline in about 2 minutes.
demo: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target kanon -- --no-print-directory
	@$(BUILD)/kanon demo

bench: build
	$(BUILD)/bench/kanon_bench_yaml
	KANON=$(BUILD)/kanon bench/status.sh
	$(BUILD)/bench/kanon_bench_tags

# Detection latency of the Argo CD wait against polling every 3 s, in-process
# against the simulator (bench/README.md); WAIT_RUNS runs per row.
WAIT_RUNS ?= 30
.PHONY: bench-wait
bench-wait: build
	$(BUILD)/bench/kanon_bench_wait_latency --runs $(WAIT_RUNS)

# libFuzzer over every input surface (fuzz/README.md), FUZZ_SECONDS each,
# one target at a time; `make fuzz FUZZ_TARGETS=yaml_set` for some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz $(FUZZ_TARGETS)

# clang-format and clang-tidy (scripts/lint; both part of `make test`).
format:
	@scripts/install-deps clang-format
	@scripts/lint fix-format

lint:
	@scripts/install-deps clang clang-format clang-tidy
	@scripts/lint

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(LINT_BUILD) build-fuzz
