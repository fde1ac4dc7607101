#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boots a bare-metal demo twice, A then B, and compares the two reports.

    compare_runs.py CHECK --a "ARGS" --b "ARGS" -- RUNNER [RUNNER ARGS...]

RUNNER is a demo's own runner (examples/el2-arm64/run.sh,
examples/hs-riscv64/run_qemu.py ...), which must accept `--json FILE` and
check each run by itself (RESULT: OK, lost = 0). Run A is RUNNER + its args
+ --a's words + --json FILE, run B the same with --b's; for a runner whose
options must come before its positional arguments, @ARGS@ in its arguments
marks where they go. Use -icount runs: then both are
functions of the instructions executed and the comparison is exact, a
count, never a time measured on the host.

Checks (A is the baseline, B what must be better or at least as good):
  shared-fewer-calls  B (shared state page) makes fewer libpvirq hypercalls
                      per interrupt than A (trapping), over the load phase;
                      B is in mode "shared", A in mode "trapping".
  timer-class         B (timer in a priority class above the devices) runs
                      the timer handler no later after its deadline, on
                      average, than A (every INTID in class 0).
Both also require, in each run, a level-triggered device that was raised
and acknowledged equally often (more than zero times) and no level line
left high at the end.

Exit 0 when the check holds, 1 when it does not (or a run failed), 77 when
a runner skipped (no QEMU, no cross compiler). --report-only (the demos,
which run on real time, where the host's load moves the counts) prints the
comparison and fails only on a failed run.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

SKIP = 77


def boot(runner, extra, path):
    mine = shlex.split(extra) + ["--json", path]
    if "@ARGS@" in runner:
        at = runner.index("@ARGS@")
        cmd = runner[:at] + mine + runner[at + 1:]
    else:
        cmd = runner + mine
    print("+ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    rc = subprocess.run(cmd).returncode
    if rc != 0:
        return rc, None
    with open(path) as f:
        return 0, json.load(f)


def per_interrupt(rep, key):
    """(calls, interrupts) of the load phase: a ratio compared exactly."""
    lp = rep["traps"]["load_phase"]
    return lp[key], lp["interrupts"]


def level_ok(name, rep):
    lv = rep["level"]
    if not lv["devices"]:
        return f"run {name}: no level-triggered device"
    if lv["raised"] == 0 or lv["raised"] != lv["acked"]:
        return f"run {name}: level device raised {lv['raised']}, acknowledged {lv['acked']}"
    if lv["high_at_end"]:
        return f"run {name}: {lv['high_at_end']} level line(s) still high at the end"
    if rep["lost"] != 0:
        return f"run {name}: lost {rep['lost']}"
    return None


def shared_fewer_calls(a, b):
    if a["pv"]["mode"] != "trapping" or b["pv"]["mode"] != "shared":
        return f"modes are {a['pv']['mode']} and {b['pv']['mode']}, not trapping and shared"
    (ca, ia), (cb, ib) = per_interrupt(a, "hypercalls"), per_interrupt(b, "hypercalls")
    print(f"hypercalls per interrupt: trapping {ca}/{ia} = {ca / ia:.3f}, "
          f"shared {cb}/{ib} = {cb / ib:.3f} (x{(cb / ib) / (ca / ia):.2f})")
    if ia == 0 or ib == 0:
        return "a run had no interrupts in its load phase"
    traps = [0, 0]
    for key in ("kick_irqs", "timer_irqs"):
        (ka, _), (kb, _) = per_interrupt(a, key), per_interrupt(b, key)
        traps[0] += ka
        traps[1] += kb
        print(f"{key} per interrupt: trapping {ka / ia:.3f}, shared {kb / ib:.3f}")
    print(f"traps per interrupt (hypercalls + kick IRQs + timer IRQs): trapping "
          f"{(ca + traps[0]) / ia:.3f}, shared {(cb + traps[1]) / ib:.3f}")
    # cb/ib < ca/ia, in integers.
    if not cb * ia < ca * ib:
        return "the shared mode did not make fewer hypercalls per interrupt"
    return None


def timer_class(a, b):
    if a["pv"]["timer_class"] != 0 or b["pv"]["timer_class"] == 0:
        return f"timer classes are {a['pv']['timer_class']} and {b['pv']['timer_class']}"
    la, lb = a["timer_lateness_ticks"], b["timer_lateness_ticks"]
    if la["samples"] == 0 or lb["samples"] == 0:
        return "no timer tick was measured"
    print(f"timer lateness (counter ticks after the deadline): class 0 mean "
          f"{la['sum'] / la['samples']:.1f} max {la['max']} ({la['samples']} ticks); "
          f"class {b['pv']['timer_class']} mean {lb['sum'] / lb['samples']:.1f} max "
          f"{lb['max']} ({lb['samples']} ticks)")
    devices = lambda r: sum(r["devices_raised"])
    print(f"device interrupts during the storm: {devices(a)} and {devices(b)}")
    # mean(b) <= mean(a), in integers.
    if lb["sum"] * la["samples"] > la["sum"] * lb["samples"]:
        return "the timer ran later on average with its priority class than without"
    return None


CHECKS = {"shared-fewer-calls": shared_fewer_calls, "timer-class": timer_class}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("check", choices=sorted(CHECKS))
    p.add_argument("--a", default="", help="runner arguments of the baseline run")
    p.add_argument("--b", default="", help="runner arguments of the compared run")
    p.add_argument("--keep", metavar="DIR", help="write the two reports there")
    p.add_argument("--a-name", default="a", help="name of run A (its report: NAME.json)")
    p.add_argument("--b-name", default="b", help="name of run B")
    p.add_argument("--report-only", action="store_true",
                   help="print the comparison, fail only if a run failed (demos on real "
                   "time, where the host's load moves the counts)")
    argv = sys.argv[1:]
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        p.error("no runner given after --")
    runner = argv[argv.index("--") + 1:]
    args = p.parse_args(argv[:argv.index("--")])

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or tmp
        os.makedirs(out, exist_ok=True)
        reports = []
        for name, extra in ((args.a_name, args.a), (args.b_name, args.b)):
            rc, rep = boot(runner, extra, os.path.join(out, f"{name}.json"))
            if rc == SKIP:
                return SKIP
            if rc != 0:
                print(f"FAIL: run {name} failed (exit {rc})")
                return 1
            reports.append(rep)
    why = level_ok(args.a_name, reports[0]) or level_ok(args.b_name, reports[1])
    verdict = CHECKS[args.check](*reports)
    if verdict and args.report_only and not why:
        print(f"NOTE ({args.check}, not checked without -icount): {verdict}")
        return 0
    why = why or verdict
    if why:
        print(f"FAIL ({args.check}): {why}")
        return 1
    print(f"PASS ({args.check})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
