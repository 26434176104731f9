# dynlib — the two commands for a fresh Debian machine are `make run` and `make test`.
JOBS      ?= 2
BUILD     ?= build
BUILD_SAN ?= build-asan
BUILD_FUZZ?= build-fuzz
BUILD_BENCH?= build-bench
FUZZ_SECONDS ?= 20
CMAKE_GEN := -G Ninja
RUN_MODEL ?= builtin://ode/lorenz

.PHONY: all setup build run docs-images test test-unit test-python test-asan fuzz fuzz-front bench bench-reference format lint clean install

all: build

setup:
	@bash scripts/setup.sh

$(BUILD)/build.ninja: | setup
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Validates and runs the builtin Lorenz model (compiling it natively once the run is long enough,
# with phase timings) and ends with a picture of the run (time series and 3-D phase portrait),
# drawn by `dynlib run --plot` with matplotlib: $(RUN_PICTURE). Builds the executable only.
RUN_PICTURE ?= $(BUILD)/lorenz.png
run: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target dynlib_cli
	./$(BUILD)/dynlib model validate $(RUN_MODEL)
	./$(BUILD)/dynlib run $(RUN_MODEL) -T 50 --jit=auto --stats --out $(BUILD)/run.csv \
	  --plot $(RUN_PICTURE)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The Python module, built for the system interpreter (/usr/bin/python3: Debian's numpy and
# pybind11; the first python3 on PATH may be another one), tested with pytest from the build tree.
# DYNLIB_PYTHON=ON is passed explicitly so a build directory configured before pybind11 was
# installed turns the module on.
PYTHON := /usr/bin/python3
test-python: setup $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DDYNLIB_PYTHON=ON > /dev/null
	cmake --build $(BUILD) -j $(JOBS) --target dynlib_python_package dynlib_cli
	PYTHONPATH=$(CURDIR)/$(BUILD)/python DYNLIB_CLI=$(CURDIR)/$(BUILD)/dynlib \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/python

# The pictures of docs/plotting.md, drawn from real runs by scripts/docs_images.py, which also
# rewrites the page's code blocks to the code that drew them.
docs-images: setup $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DDYNLIB_PYTHON=ON > /dev/null
	cmake --build $(BUILD) -j $(JOBS) --target dynlib_python_package dynlib_cli
	PYTHONPATH=$(CURDIR)/$(BUILD)/python DYNLIB_CLI=$(CURDIR)/$(BUILD)/dynlib \
	  $(PYTHON) scripts/docs_images.py docs/images --page docs/plotting.md

$(BUILD_SAN)/build.ninja: | setup
	cmake -S . -B $(BUILD_SAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DDYNLIB_SANITIZE=ON

test-asan: setup $(BUILD_SAN)/build.ninja
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

$(BUILD_FUZZ)/build.ninja: | setup
	CXX=clang++ cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDYNLIB_FUZZ=ON

# Bounded fuzzing: each target runs FUZZ_SECONDS; `make fuzz FUZZ_SECONDS=600` for a long session.
# fuzz_cli_args and fuzz_run_options link the whole library, which the clang+ASan fuzz build
# compiles in ~15 min at -j2; `make test` therefore fuzzes the front end only (fuzz-front, 10 s a
# target), and `make fuzz` runs every target.
FUZZ_TARGETS ?= fuzz_expr fuzz_model fuzz_cli_args fuzz_run_options
fuzz: setup $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $(FUZZ_TARGETS)
	bash scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-front:
	$(MAKE) fuzz FUZZ_TARGETS="fuzz_expr fuzz_model" FUZZ_SECONDS=10

# Every test: the C++ unit tests once, under ASan/UBSan (the release build of the same tests,
# `make test-unit`, is left out: compiling the tests twice took a quarter of the time), the
# Python tests against the release module, bounded fuzzing of the front end.
test: test-python test-asan fuzz-front

$(BUILD_BENCH)/build.ninja: | setup
	cmake -S . -B $(BUILD_BENCH) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DDYNLIB_BENCH=ON -DDYNLIB_TESTS=OFF

bench: setup $(BUILD_BENCH)/build.ninja
	cmake --build $(BUILD_BENCH) -j $(JOBS)
	./$(BUILD_BENCH)/dynlib_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
	./$(BUILD_BENCH)/dynlib_kernel_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

# The reference dynlib's basin_known on the grid of bench/bench_basin.cpp (docs/PERFORMANCE.md,
# "Basins"): needs the reference's source in REF_SRC and Numba (python3-numba; not a test dependency).
REF_SRC ?= /tmp/refpkg/src
BASIN_N ?= 200
bench-reference:
	PYTHONPATH=$(REF_SRC) /usr/bin/python3 bench/reference/basin_duffing_known.py --n $(BASIN_N)

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

lint: build
	git ls-files 'src/*.cpp' | xargs clang-tidy -p $(BUILD) --quiet

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ) $(BUILD_BENCH)
