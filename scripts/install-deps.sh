#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages the build and tests need, if any is
# missing. Safe to run repeatedly; does nothing when all are present.
#   scripts/install-deps.sh core   the library alone: build and install it
#                                  (make build, make demo, make install)
#   scripts/install-deps.sh [all]  everything `make test` uses (default)
set -eu

# The library needs CMake and a C compiler (gcc brings binutils; libc6-dev
# is only a Recommends of gcc, so name it).
core="cmake make gcc libc6-dev"
# Unit tests (cmocka), header and packaging tests (clang, g++, pkg-config),
# the Python bindings (python3; pyproject install: setuptools, wheel, pip).
all="$core clang g++ libcmocka-dev pkg-config python3 python3-setuptools python3-wheel python3-pip"
# Cross suites under qemu-user (make test-cross, part of make test).
all="$all qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-riscv64-linux-gnu
libc6-dev-riscv64-cross"
# Fuzz targets (clang's libFuzzer runtime), Spin models, API docs and man
# pages (doxygen, graphviz for the include graphs).
all="$all libclang-rt-14-dev spin doxygen graphviz"
# Benchmark picture (bench/plot_svg.py) and the decoder's instruction count
# (callgrind).
all="$all python3-matplotlib valgrind"
# Style checks and docs (tests/style, docs/): clang-format/clang-tidy 14.
all="$all clang-format clang-tidy git"
# Coverage report (scripts/coverage.sh).
all="$all gcovr"
# Rust FFI check (bindings/rust/pvirq-sys/tests/header_check.rs).
all="$all bindgen"
# The arm64 EL2 hypervisor demo and its qemu_arm64_* tests (examples/el2-arm64).
all="$all qemu-system-arm"
# The riscv64 HS hypervisor under QEMU (examples/hs-riscv64): QEMU's OpenSBI
# firmware comes with qemu-system-data, a dependency; no opensbi package.
all="$all qemu-system-misc"
want=$all
[ "${1:-all}" = core ] && want=$core

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing
