#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages the build and tests need, if any is
# missing. Safe to run repeatedly; does nothing when all are present.
#   scripts/install-deps.sh [core|all]   (default: all)
set -eu

core="cmake make gcc clang libcmocka-dev pkg-config python3"
all="$core qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-riscv64-linux-gnu
libc6-dev-riscv64-cross libclang-rt-14-dev spin doxygen graphviz g++ python3-matplotlib"
# Style checks and docs (tests/style, docs/): clang-format/clang-tidy 14.
all="$all clang-format clang-tidy git"
# Coverage report (scripts/coverage.sh).
all="$all gcovr"
# Rust FFI check (bindings/rust/pvirq-sys/tests/header_check.rs).
all="$all bindgen"
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
