#!/bin/sh
# SPDX-License-Identifier: MIT
# Boots the EL2 hypervisor under qemu-system-aarch64 and checks the run.
#
#   run.sh [--cpus N] [--mode workload|faults] [--ms N] [--repeat N]
#          [--icount] [--deterministic] [--json FILE] [--timeout S]
#          [--expect-failure REGEX] [--require-output REGEX] [--require]
#          [--append "key=value ..."] ELF [SKIP_REASON]
#
# Each boot must end by itself (semihosting exit) within the timeout, exit
# 0, and print "RESULT: OK" (and "lost = 0" in workload mode); anything
# else - a loss, a hang, a guest fault - fails loudly with the output.
# Exit 77 (skip) with the reason printed when qemu-system-aarch64 or the
# ELF's cross compiler is missing, unless --require (make demo-arm64).
# --icount: deterministic instruction counting (QEMU runs the vCPUs round
# robin on one thread; the guest's spin loops yield), for debugging.
# --deterministic: --icount, and every boot's JSON must equal the first's.
# --expect-failure REGEX: the boot must end by itself with a failure whose
# output matches REGEX (checks that a guest fault fails the run loudly).
# --require-output REGEX: a passing boot must also print a line matching it.
# --append: more words for the hypervisor's command line (shared=1,
# timer_class=1, level=BITMAP, devices=N, tick_us=N, timer_us=N, ...).
set -u
cpus=2 mode=workload ms=200 repeat=1 icount=0 json= timeout_s=30 require=0 same=0 expect= want=
extra=
while [ $# -gt 0 ]; do
	case "$1" in
	--cpus) cpus=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--ms) ms=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--deterministic) icount=1; same=1; shift ;;
	--json) json=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--require) require=1; shift ;;
	--expect-failure) expect=$2; shift 2 ;;
	--require-output) want=$2; shift 2 ;;
	--append) extra="$extra $2"; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
elf=${1:-}
skip_reason=${2:-}

skip() {
	if [ "$require" = 1 ]; then
		echo "FAILED: $1" >&2
		exit 1
	fi
	echo "SKIP: $1"
	exit 77
}

[ -n "$skip_reason" ] && skip "$skip_reason"
command -v qemu-system-aarch64 >/dev/null 2>&1 ||
	skip "qemu-system-aarch64 not found (sh scripts/install-deps.sh installs qemu-system-arm)"
[ -f "$elf" ] || skip "no hypervisor image at '$elf' (build target el2_arm64)"

out=$(mktemp "${TMPDIR:-/tmp}/pvirq-el2.XXXXXX") || exit 1
first=$(mktemp "${TMPDIR:-/tmp}/pvirq-el2-json.XXXXXX") || exit 1
trap 'rm -f "$out" "$first"' EXIT
set -- -machine virt,virtualization=on,gic-version=3 -cpu max -smp "$cpus" -m 128M \
	-nographic -nic none -no-reboot -semihosting-config enable=on,target=native \
	-kernel "$elf" -append "mode=$mode cpus=$cpus ms=$ms$extra"
if [ "$icount" = 1 ]; then
	set -- "$@" -icount shift=4,align=off,sleep=off
fi

i=1
start=$(date +%s%N)
while [ "$i" -le "$repeat" ]; do
	timeout -k 2 "$timeout_s" qemu-system-aarch64 "$@" </dev/null >"$out" 2>&1
	rc=$?
	why=
	if [ -n "$expect" ]; then
		tr -d '\r' <"$out" | grep -v '^@@json '
		if [ "$rc" = 0 ] || [ "$rc" = 124 ] || [ "$rc" = 137 ] ||
			! grep -q '^RESULT: FAILED' "$out" || ! grep -Eq "$expect" "$out"; then
			echo "FAILED: expected a failing run matching '$expect' (QEMU exit $rc)" >&2
			exit 1
		fi
		echo "failed as expected (QEMU exit $rc)"
		exit 0
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why="hang: no exit within ${timeout_s}s"
	elif [ "$rc" != 0 ]; then
		why="QEMU exited with $rc"
	elif ! grep -q '^RESULT: OK' "$out"; then
		why="no 'RESULT: OK' line"
	elif [ "$mode" = workload ] && ! grep -q '^lost = 0 ' "$out"; then
		why="lost != 0"
	elif [ -n "$want" ] && ! grep -Eq "$want" "$out"; then
		why="no line matching '$want'"
	elif [ "$same" = 1 ]; then
		if [ "$i" = 1 ]; then
			grep '^@@json ' "$out" >"$first"
		elif ! grep '^@@json ' "$out" | cmp -s - "$first"; then
			echo "first boot:"; cat "$first"
			why="not deterministic: the JSON differs from the first boot's"
		fi
	fi
	if [ -n "$why" ]; then
		tr -d '\r' <"$out"
		echo "FAILED (boot $i of $repeat, $cpus CPUs, mode $mode): $why" >&2
		exit 1
	fi
	if [ "$repeat" = 1 ]; then
		tr -d '\r' <"$out" | grep -v '^@@json '
	fi
	i=$((i + 1))
done
end=$(date +%s%N)
if [ -n "$json" ]; then
	tr -d '\r' <"$out" | sed -n 's/^@@json //p' >"$json"
	echo "JSON: $json"
fi
if [ "$repeat" != 1 ]; then
	tr -d '\r' <"$out" | grep -E '^(lost|traps per|RESULT)'
	echo "$repeat boots in a row passed, $(((end - start) / 1000000 / repeat)) ms per boot"
fi
