# SPDX-License-Identifier: MIT
# Front door of the build. The README's quick start is `make demo` and
# `make test`; both work on a fresh Debian 12 machine (they install what
# is missing first). Everything else is CMake presets underneath.

PRESET ?= default
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEPS := scripts/install-deps.sh

.PHONY: all deps deps-core build demo test test-asan test-tsan test-sanitizers test-long \
        clean help install

all: build

help:
	@echo "make build       build everything of the default preset (also: make all, make)"
	@echo "make demo        run the main demo"
	@echo "make demo-arm64  the arm64 EL2 hypervisor demo under qemu-system-aarch64 (examples/el2-arm64)"
	@echo "make demo-riscv64  the riscv64 HS-mode demo (examples/hs-riscv64)"
	@echo "make test        build and run every test (default preset; installs deps first)"
	@echo "make test-asan   the suite under ASan+UBSan"
	@echo "make test-tsan   the suite under ThreadSanitizer"
	@echo "make test-sanitizers  test-asan then test-tsan"
	@echo "make test-long   long stress/torture runs (opt-in)"
	@echo "make test-cross  unit suites built for aarch64 and riscv64, run under qemu-user"
	@echo "make bench       benchmark table, JSON and SVG (bench/README.md)"
	@echo "make install     the library alone into PREFIX (default /usr/local): needs only cmake and a C compiler"
	@echo "make deps-core   install what the library needs (cmake, make, gcc, libc6-dev)"
	@echo "make deps        install everything make test needs (scripts/install-deps.sh)"
	@echo "make fuzz        every libFuzzer target in turn (FUZZ_SECONDS=60 each)"
	@echo "make verify      the Spin models (verify/README.md)"
	@echo "make coverage    line/branch coverage of src/core and src/arch (gcovr)"
	@echo "make clean       remove build/"
	@echo "make help        this list"

deps:
	@sh $(DEPS)

deps-core:
	@sh $(DEPS) core

build/%/CMakeCache.txt: | deps
	cmake --preset $*

build: deps-core
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	cmake --build --preset $(PRESET) --target demo

# The arm64 EL2 hypervisor under qemu-system-aarch64 (examples/el2-arm64);
# qemu-system-arm is in the full dependency set.
.PHONY: demo-arm64
demo-arm64: deps
	@$(MAKE) --no-print-directory build
	cmake --build --preset $(PRESET) --target demo-arm64

test: deps
	@$(MAKE) --no-print-directory build
	ctest --preset $(PRESET) -j $(JOBS) --output-on-failure
	@if [ "$(PRESET)" = default ]; then $(MAKE) --no-print-directory test-cross; fi

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

test-tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

test-sanitizers: test-asan test-tsan

test-long: deps
	cmake --preset long >/dev/null
	cmake --build --preset long -j $(JOBS)
	ctest --preset long

clean:
	rm -rf build

# The library alone (preset `library`: no tests, examples, bindings or docs),
# installed with headers, CMake package, pkg-config file.
PREFIX ?= /usr/local
install: deps-core
	cmake --preset library >/dev/null
	cmake --build --preset library -j $(JOBS)
	cmake --install build/library --prefix $(PREFIX)

# Documentation and style (docs/CMakeLists.txt, tests/style/).
.PHONY: docs format format-check tidy help-docs

help: help-docs
help-docs:
	@echo "make docs          API reference (Doxygen, warnings are errors) -> build/$(PRESET)/docs/html"
	@echo "make format        reformat every tracked C/H file with clang-format"
	@echo "make format-check  fail if a tracked C/H file is not formatted"
	@echo "make tidy          clang-tidy over src/ (.clang-tidy)"
	@echo "make duplicates    copy-paste detection over src/ and include/"
	@echo "make python-constants  regenerate bindings/python/pvirq/_constants.py from the headers"

docs: deps
	@$(MAKE) --no-print-directory build
	cmake --build --preset $(PRESET) --target docs

format:
	git ls-files -z -- '*.c' '*.h' | xargs -0 clang-format -i

format-check:
	@cmake -DMODE=format -DSOURCE_DIR=$(CURDIR) -P tests/style/check_style.cmake

tidy: deps
	@$(MAKE) --no-print-directory build
	@cmake -DMODE=tidy -DSOURCE_DIR=$(CURDIR) -DBUILD_DIR=$(CURDIR)/build/$(PRESET) \
		-P tests/style/check_style.cmake

# bindings/python/pvirq/_constants.py from the headers (bindings_python
# fails while they disagree).
.PHONY: python-constants
python-constants:
	python3 bindings/python/tools/gen_constants.py

.PHONY: duplicates
duplicates:
	@python3 tests/style/find_duplicates.py src include

# The unit suites (every test_* under tests/, with the freestanding check)
# cross-built for aarch64 and riscv64 and run under qemu-user. `make test`
# runs this after the native suite.
.PHONY: test-cross
CROSS_PRESETS ?= cross-aarch64 cross-riscv64
test-cross: deps
	@for p in $(CROSS_PRESETS); do \
		cmake --preset $$p >/dev/null && \
		cmake --build --preset $$p -j $(JOBS) && \
		ctest --preset $$p -j $(JOBS) || exit 1; \
	done

# Benchmark: table on stdout and in $(BENCH_OUT)/bench.txt, plus JSON and
# SVG. `make bench BENCH_OUT=bench/results` refreshes the committed sample.
# The decoders' cost (bench/decoder_cost.py): callgrind instruction counts,
# and the share of the KVM demo's exit round trip, measured now when
# /dev/kvm is usable, else the committed bench/results/kvm-demo.json.
BENCH_OUT ?= build/bench
BENCH_PYTHON ?= $(shell for p in python3 /usr/bin/python3; do \
	$$p -c 'import matplotlib' 2>/dev/null && { echo $$p; break; }; done)
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory build
	@mkdir -p $(BENCH_OUT)
	build/$(PRESET)/bench/pvirq_bench --json $(BENCH_OUT)/bench.json --table $(BENCH_OUT)/bench.txt
	@if build/$(PRESET)/examples/kvm-x86/pvirq-kvm-demo --mode pvirq --seconds 2 --require-kvm \
		--json $(BENCH_OUT)/kvm-demo.json >/dev/null 2>&1; then \
		demo=$(BENCH_OUT)/kvm-demo.json; note=" (KVM demo, this run)"; \
	else demo=bench/results/kvm-demo.json; note=" (bench/results/kvm-demo.json: no /dev/kvm now)"; fi; \
	$(BENCH_PYTHON) bench/decoder_cost.py --icount build/$(PRESET)/bench/decoder_icount \
		--demo-json $$demo --demo-note "$$note" --bench-json $(BENCH_OUT)/bench.json \
		--table $(BENCH_OUT)/bench.txt --work build/$(PRESET)/bench/callgrind
	$(BENCH_PYTHON) bench/plot_svg.py $(BENCH_OUT)/bench.json $(BENCH_OUT)/bench.svg
	$(BENCH_PYTHON) bench/check_svg.py $(BENCH_OUT)/bench.json $(BENCH_OUT)/bench.svg
	@echo "bench: wrote $(BENCH_OUT)/bench.txt, bench.json, bench.svg"

# Verification (fuzz/, verify/, scripts/coverage.sh).
.PHONY: fuzz verify coverage
FUZZ_SECONDS ?= 60

fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) sh fuzz/run.sh $(FUZZ_TARGETS)

verify: deps
	@$(MAKE) --no-print-directory build
	ctest --preset $(PRESET) -L spin

coverage: deps
	JOBS=$(JOBS) sh scripts/coverage.sh

# The riscv64 HS-mode hypervisor under qemu-system-riscv64
# (examples/hs-riscv64): table, lost = 0, JSON in build/$(PRESET).
# qemu-system-misc and the riscv64 cross compiler are in the full
# dependency set. (`make help` lists it with the other demos.)
.PHONY: demo-riscv64
demo-riscv64: deps
	@$(MAKE) --no-print-directory build
	cmake --build --preset $(PRESET) --target demo-riscv64
