#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks one Spin model and compares the verdict with what is
# expected.
#   check.sh MODEL.pml pass|fail WORKDIR [--ltl NAME[,NAME...]] [-DVARIANT ...]
# Without --ltl: exhaustive safety search (assertions and invalid end
# states). With --ltl: for each named LTL claim of the model, an
# exhaustive search for acceptance cycles under weak fairness (pan -a -f),
# assertions included; pan.c is compiled once for all of them.
# pass: every search must complete with no error.
# fail: every search must find a counterexample (a broken variant); the
#       trail is left in WORKDIR (safety: replayed to the log).
# Environment: SPIN (default spin), CC (default cc), PAN_FLAGS (extra
# compile flags for pan.c, e.g. -DNOREDUCE to switch off partial-order
# reduction, -DBITSTATE for a partial search).
set -eu

model=$1
expect=$2
work=$3
shift 3
claims=
if [ "${1:-}" = --ltl ]; then
	claims=$(echo "$2" | tr , ' ')
	shift 2
fi
spin=${SPIN:-spin}
cc=${CC:-cc}

case $expect in
pass | fail) ;;
*)
	echo "check.sh: expect pass or fail, not $expect"
	exit 2
	;;
esac

rm -rf "$work"
mkdir -p "$work"
cp "$(dirname "$model")"/*.pml "$work"/
cd "$work"
name=$(basename "$model")

"$spin" "$@" -a "$name" >spin.log 2>&1 || { cat spin.log; echo "spin -a failed"; exit 1; }
if [ -n "$claims" ]; then
	# The liveness models are small: -O0 compiles in a fifth of the time
	# of -O2 and the search still takes about a second. NFAIR: weak
	# fairness bookkeeping for up to 8 processes.
	# shellcheck disable=SC2086
	"$cc" -O0 -w -DCOLLAPSE -DNFAIR=8 ${PAN_FLAGS:-} -o pan pan.c
else
	# -O1: half the compile time of -O2; only rvic.pml's search is big
	# enough to notice (about 10 s instead of 8 s). A broken variant stops
	# at its first counterexample, after a few thousand states in all but
	# one model (rvic.pml BROKEN_ACK: 1.3 M), so there -O0, which
	# compiles in a third of the time of -O1, costs least.
	opt=-O1
	[ "$expect" = pass ] || opt=-O0
	# shellcheck disable=SC2086
	"$cc" $opt -w -DSAFETY -DCOLLAPSE ${PAN_FLAGS:-} -o pan pan.c
	grep -q "ltl " "$name" && {
		echo "check.sh: $name has LTL claims: name them with --ltl"
		exit 1
	}
	claims=-
fi

for claim in $claims; do
	if [ "$claim" = - ]; then
		./pan -m1000000 -n >pan.log 2>&1 || true
	else
		./pan -m1000000 -a -f -N "$claim" -n >pan.log 2>&1 || true
	fi
	cat pan.log
	what="$name ${claim#-} $*"
	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' pan.log | tail -n 1)
	[ -n "$errors" ] || { echo "check.sh: no verdict from pan"; exit 1; }
	if grep -q "max search depth too small" pan.log; then
		echo "check.sh: search truncated (depth), verdict not exhaustive"
		exit 1
	fi
	if [ "$expect" = pass ]; then
		[ "$errors" -eq 0 ] || {
			[ "$claim" != - ] || "$spin" "$@" -t -p "$name" | tail -n 40
			echo "check.sh: $what: counterexample found, expected none"
			exit 1
		}
		echo "check.sh: $what: no counterexample (as expected)"
	else
		[ "$errors" -gt 0 ] || { echo "check.sh: $what: broken variant NOT caught"; exit 1; }
		grep -E "^pan:1:" pan.log | head -n 1 || true
		[ "$claim" != - ] ||
			"$spin" "$@" -t "$name" 2>&1 | grep -E "assertion violated|Error" | head -n 3 || true
		echo "check.sh: $what: counterexample found (as expected)"
	fi
done
