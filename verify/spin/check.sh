#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks one Spin model (exhaustive safety search: assertions and
# invalid end states) and compares the verdict with what is expected.
#   check.sh MODEL.pml pass|fail WORKDIR [-DVARIANT ...]
# pass: the search must complete with no error.
# fail: the search must find a counterexample (a broken variant); the
#       trail is left in WORKDIR and replayed to the log.
# Environment: SPIN (default spin), CC (default cc), PAN_FLAGS (extra
# compile flags for pan.c, e.g. -DNOREDUCE to switch off partial-order
# reduction).
set -eu

model=$1
expect=$2
work=$3
shift 3
spin=${SPIN:-spin}
cc=${CC:-cc}

rm -rf "$work"
mkdir -p "$work"
cp "$(dirname "$model")"/*.pml "$work"/
cd "$work"
name=$(basename "$model")

"$spin" "$@" -a "$name" >spin.log 2>&1 || { cat spin.log; echo "spin -a failed"; exit 1; }
# shellcheck disable=SC2086
"$cc" -O2 -w -DSAFETY -DCOLLAPSE ${PAN_FLAGS:-} -o pan pan.c
./pan -m1000000 -n >pan.log 2>&1 || true
cat pan.log

errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.log | tail -n 1)
[ -n "$errors" ] || { echo "check.sh: no verdict from pan"; exit 1; }
if grep -q "max search depth too small" pan.log; then
	echo "check.sh: search truncated (depth), verdict not exhaustive"
	exit 1
fi

case $expect in
pass)
	[ "$errors" -eq 0 ] || {
		"$spin" "$@" -t -p "$name" | tail -n 40
		echo "check.sh: $name $*: counterexample found, expected none"
		exit 1
	}
	echo "check.sh: $name $*: no counterexample (as expected)"
	;;
fail)
	[ "$errors" -gt 0 ] || { echo "check.sh: $name $*: broken variant NOT caught"; exit 1; }
	"$spin" "$@" -t "$name" 2>&1 | grep -E "assertion violated|Error" | head -n 3 || true
	echo "check.sh: $name $*: counterexample found (as expected)"
	;;
*)
	echo "check.sh: expect pass or fail, not $expect"
	exit 2
	;;
esac
