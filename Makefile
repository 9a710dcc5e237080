# kanon: `make demo` runs the main job, `make test` runs every test.
# Both install what they need first (scripts/install-deps, apt-get, idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
LINT_BUILD ?= build-lint
# The unit tests whose code runs threads: the simulator's servers, the
# cluster, git over HTTP, the Argo CD wait and its watch, the HTTP wait and
# smoke, the parallel check, processes.
TSAN_TESTS ?= ^(ArgoSim|ClusterTest|GitHttp|WaitTest|HttpWait|Smoke|CheckTest|Process)
# Any sanitizer report fails the test that made it (ctest passes these on to
# every test, the e2e tests' kanon and simulator included). tests/tsan.supp
# says why the one suppression is there.
SANITIZER_ENV = ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
                TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp
JOBS       ?= 2
CMAKE_ARGS ?=

.PHONY: all deps build test test-unit test-e2e test-asan test-tsan demo bench format lint clean fuzz

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) -- --no-print-directory

# Every test: the unit tests of the optimised build, clang-tidy (`make lint`,
# about 3 min), then every test, unit and end-to-end, under ASan+UBSan (the
# e2e tests drive the sanitized kanon and simulator), and the threaded unit
# tests under TSan.
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L unit
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L unit

test-e2e: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L e2e

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKANON_SANITIZE=ON -DKANON_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS) --target kanon kanon-argocd-sim kanon_unit -- --no-print-directory
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS)

test-tsan: deps
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKANON_TSAN=ON -DKANON_BENCH=OFF >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target kanon_unit -- --no-print-directory
	$(SANITIZER_ENV) ctest --test-dir $(TSAN_BUILD) --output-on-failure -j$(JOBS) -L unit -R '$(TSAN_TESTS)' 

# The whole flow on a sandbox in a temporary directory (kanon demo --help).
demo: build
	@$(BUILD)/kanon demo

bench: build
	$(BUILD)/bench/kanon_bench_yaml
	KANON=$(BUILD)/kanon bench/status.sh

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

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'bench/*.cpp')

# clang-tidy over src/ (.clang-tidy; any finding fails). It parses as clang
# does, so it reads a clang configuration of its own: configured only, as
# clang-tidy needs compile_commands.json and generated/version.hpp, no objects.
# kanonlib is linted as it is built, in unity batches (CMake writes them at
# configure time; the batch's #include of each .cpp is no finding): each
# header is parsed once a batch, not once a file: 2 to 2.7 min on 2 cores,
# where file by file took 24 min and more. The two programs' mains are
# linted on their own.
lint:
	@scripts/install-deps clang clang-tidy
	@CC=clang CXX=clang++ cmake -S . -B $(LINT_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKANON_BENCH=OFF \
	  -DKANON_UNITY=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
	run-clang-tidy -p $(LINT_BUILD) -j$(JOBS) -quiet -checks=-bugprone-suspicious-include \
	  '^$(CURDIR)/(src/|$(LINT_BUILD)/CMakeFiles/kanonlib\.dir/Unity/)'

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(LINT_BUILD) build-fuzz
