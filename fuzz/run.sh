#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target (or those named) for FUZZ_SECONDS each, ONE AT
# A TIME, starting from the committed seed corpus, and prints a summary
# (executions, execs/s, coverage, verdict) per target.
#   fuzz/run.sh [TARGET...]          e.g. FUZZ_SECONDS=600 fuzz/run.sh engine
# New interesting inputs go to fuzz/corpus-work/<name>/ (not committed);
# crashes to build/fuzz/artifacts/<name>/. Exit status 1 if any target
# found a failure. Builds with the "fuzz" preset (clang, ASan + UBSan).
# FUZZ_MERGE=1: afterwards, add to the committed corpus fuzz/corpus/<name>/
# the few work inputs that reach new edges (libFuzzer -merge=1 on edges
# only, so the committed corpora stay small).
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
jobs=${JOBS:-2}
out=build/fuzz

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs" --target fuzzers

if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(cd "$out/fuzz" && ls fuzz_* | sed 's/^fuzz_//' | sort)
fi

summary=$out/fuzz-summary.txt
: >"$summary"
failed=0
for name in $names; do
	bin=$out/fuzz/fuzz_$name
	[ -x "$bin" ] || { echo "no fuzz target $name" >&2; exit 2; }
	work=fuzz/corpus-work/$name
	art=$out/artifacts/$name
	mkdir -p "$work" "$art"
	set -- -max_total_time="$secs" -timeout=25 -print_final_stats=1 -artifact_prefix="$art/"
	[ -f "fuzz/$name.dict" ] && set -- "$@" -dict="fuzz/$name.dict"
	set -- "$@" "$work"
	[ -d "fuzz/corpus/$name" ] && set -- "$@" "fuzz/corpus/$name"
	log=$out/fuzz-$name.log
	echo "== fuzz $name for ${secs}s (log: $log)"
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" "$@" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	verdict=clean
	if [ "$rc" -ne 0 ]; then
		verdict="FAILED (exit $rc, see $log and $art)"
		failed=1
	fi
	line="$name: ${secs}s, ${execs:-?} execs, ${rate:-?} exec/s, ${cov:-cov: ?} edges, $verdict"
	echo "$line" | tee -a "$summary"
	if [ "${FUZZ_MERGE:-0}" = 1 ] && [ "$rc" -eq 0 ]; then
		mkdir -p "fuzz/corpus/$name"
		"$bin" -merge=1 -use_counters=0 "fuzz/corpus/$name" "$work" >"$out/merge-$name.log" 2>&1
		echo "   merged: $(ls "fuzz/corpus/$name" | wc -l) inputs in fuzz/corpus/$name"
	fi
done
echo "summary in $summary"
exit $failed
