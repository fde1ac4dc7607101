#!/bin/sh
# SPDX-License-Identifier: MIT
# Line and branch coverage of src/core and src/arch from the whole test
# suite (unit, differential, ABI tests, ...) plus the replay of every
# committed fuzz corpus (fuzz/corpus/<name>/, run by the fuzz_replay_*
# tests). gcc --coverage build (preset "coverage") + gcovr.
#   scripts/coverage.sh            (or: make coverage)
# COVERAGE_LABEL=<ctest label> restricts the tests (e.g. fuzz).
# COVERAGE_WORK=1 also replays fuzz/corpus-work/<name>/ (the inputs a local
# `make fuzz` found, not committed). Reports: a summary on stdout,
# build/coverage/coverage.txt (per file), build/coverage/html/index.html.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
out=build/coverage
jobs=${JOBS:-2}

command -v gcovr >/dev/null || { echo "gcovr missing: scripts/install-deps.sh" >&2; exit 2; }
cmake --preset coverage >/dev/null
cmake --build --preset coverage -j "$jobs"
# Counters from an earlier run would inflate the figures.
find "$out" -name '*.gcda' -delete
# Model checking (label spin) runs no library code: leave it out. The Rust
# binding's test links libpvirq.a with rustc, which cannot add libgcov; it
# drives the same C functions as the C tests.
# COVERAGE_LABEL=fuzz measures the corpus replays alone.
if [ -n "${COVERAGE_LABEL:-}" ]; then
	ctest --preset coverage -j "$jobs" -LE spin -E '^bindings_rust$' -L "$COVERAGE_LABEL"
else
	ctest --preset coverage -j "$jobs" -LE spin -E '^bindings_rust$'
fi
if [ "${COVERAGE_WORK:-0}" = 1 ]; then
	for dir in fuzz/corpus-work/*/; do
		[ -d "$dir" ] || continue
		name=$(basename "$dir")
		[ -x "$out/fuzz/replay_$name" ] && "$out/fuzz/replay_$name" "$dir"
	done
fi
mkdir -p "$out/html"
gcovr -r "$root" --filter "$root/src/core/" --filter "$root/src/arch/" \
	--exclude-unreachable-branches --exclude-throw-branches \
	--txt "$out/coverage.txt" --txt-metric branch --html-details "$out/html/index.html" \
	--print-summary "$out" 2>/dev/null || \
gcovr -r "$root" --filter "$root/src/core/" --filter "$root/src/arch/" \
	--exclude-unreachable-branches \
	--branches --output "$out/coverage.txt" --print-summary "$out"
echo "per-file report: $out/coverage.txt"
