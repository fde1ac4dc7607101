#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boots the HS-mode hypervisor under qemu-system-riscv64 and checks the run.

A run passes when QEMU exits 0 by itself (SBI SRST) within the timeout, the
console says "RESULT: OK", and the JSON report ("@@json", written by
examples/baremetal-common/report.c) says nothing was lost and every vCPU
exited cleanly. Anything else fails loudly with the console
shown. Exit status 77 (CTest's skip) with the reason printed when QEMU or
the image is missing.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time

SKIP = 77


def boot(args, qemu):
    cmd = [qemu, "-machine", "virt", "-cpu", "rv64,h=true", "-smp", str(args.harts),
           "-m", "128M", "-nographic", "-bios", "default", "-kernel", args.elf]
    append = [f"run_ms={args.run_ms}"]
    if args.faults:
        append.append("faults")
    if args.icount:
        # sleep=off: idle time warps to the next timer, so a run is a pure
        # function of the instructions executed (deterministic).
        cmd += ["-icount", "shift=4,sleep=off"]
        append.append("icount")
    cmd += ["-append", " ".join(append + args.bootarg)]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        return None, out, f"HANG: no shutdown within {args.timeout} s", time.monotonic() - start
    return proc.returncode, proc.stdout.decode(errors="replace"), None, time.monotonic() - start


def report_of(console):
    for line in console.splitlines():
        if line.startswith("@@json "):
            return json.loads(line[len("@@json "):])
    return None


def boot_hart_of(console):
    m = re.search(r"boot hart (\d+) of", console)
    return int(m.group(1)) if m else None


def check(args, rc, console, hang):
    if hang:
        return hang
    if rc != 0:
        return f"QEMU exit status {rc}"
    if "RESULT: OK" not in console:
        return "no RESULT: OK on the console"
    try:
        rep = report_of(console)
    except ValueError as e:
        return f"bad JSON report: {e}"
    if rep is None:
        return "no JSON report"
    if not rep["ok"] or rep["injections"]["refused"]:
        return f"report: ok {rep['ok']}, refused {rep['injections']['refused']}"
    # The fault mode's self-IPIs are sent outside the accounting (the
    # report's "lost" is meaningless there); only exits count.
    if not args.faults and rep["lost"] != 0:
        return f"lost {rep['lost']}"
    if rep["vcpus"] != args.harts or len(rep["per_vcpu"]) != args.harts:
        return f"{rep['vcpus']} vCPUs ran, {args.harts} expected"
    if any(v["exit"] != 0 for v in rep["per_vcpu"]):
        return "a vCPU exited with an error"
    if not args.faults:
        # The hypervisor runs until each vCPU had a few of each kind; a run
        # that delivered next to nothing would "lose nothing" too. A kind
        # switched off on the command line (ipi_us=0, retarget_us=0: the
        # priority storm) is not asked for.
        ipis = "ipi_us=0" not in args.bootarg
        retargets = "retarget_us=0" not in args.bootarg
        for n, v in enumerate(rep["per_vcpu"]):
            if min(sum(v["devices"]), v["ipi"] if ipis else 1, v["timer"]) == 0:
                return f"vCPU {n} handled too little: {v}"
        if retargets and args.harts > 1 and \
                sum(v["retargets"] for v in rep["per_vcpu"]) == 0:
            return "no retargets under load"
        # Odd devices write the MSI doorbell unless made level-triggered.
        msi_devices = [d for d in range(1, rep["devices"], 2)
                       if not rep["level"]["devices"] >> d & 1]
        if not rep["injections"]["wired"] or (msi_devices and not rep["injections"]["msi"]):
            return "a kind of device injection never happened"
    if args.faults and "fault checks passed" not in console:
        return "the fault checks did not report"
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--elf", required=True)
    p.add_argument("--harts", type=int, default=2)
    p.add_argument("--faults", action="store_true")
    p.add_argument("--icount", action="store_true")
    p.add_argument("--boots", type=int, default=1)
    p.add_argument("--run-ms", type=int, default=100)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--json", help="write the (last) run's report here")
    p.add_argument("--same-report", action="store_true",
                   help="every boot must print the same report (deterministic -icount runs)")
    p.add_argument("--expect-failure", metavar="TEXT",
                   help="self-test of the checks: the run must fail, saying TEXT")
    p.add_argument("--quiet", action="store_true", help="show the console only on failure")
    p.add_argument("--bootarg", action="append", default=[])
    p.add_argument("--skip-reason", help="skip at once with this reason (image not built)")
    args = p.parse_args()

    if args.skip_reason:
        print(f"SKIP: {args.skip_reason}")
        return SKIP
    qemu = shutil.which("qemu-system-riscv64")
    if not qemu:
        print("SKIP: qemu-system-riscv64 not found (Debian: qemu-system-misc, "
              "scripts/install-deps.sh)")
        return SKIP
    if not os.path.exists(args.elf):
        print(f"SKIP: {args.elf} was not built (riscv64-linux-gnu-gcc missing?)")
        return SKIP

    boot_harts = collections.Counter()
    first_report = None
    for n in range(args.boots):
        rc, console, hang, seconds = boot(args, qemu)
        failure = check(args, rc, console, hang)
        if args.expect_failure:
            print(console)
            if not failure:
                print("FAIL: the run passed, but it had to fail")
                return 1
            if hang or args.expect_failure not in console:
                print(f"FAIL: the run failed ({failure}) without saying "
                      f"'{args.expect_failure}'")
                return 1
            print(f"PASS: the run failed as it had to ({failure})")
            return 0
        if failure or not args.quiet:
            print(console)
        if failure:
            print(f"FAIL (boot {n + 1} of {args.boots}): {failure}")
            return 1
        rep = report_of(console)
        boot_harts[boot_hart_of(console)] += 1
        if args.same_report:
            if first_report is None:
                first_report = rep
            elif rep != first_report:
                print(console)
                print(f"FAIL (boot {n + 1}): the report differs from boot 1's: "
                      f"{json.dumps(first_report)}")
                return 1
        if args.json:
            with open(args.json, "w") as f:
                json.dump(rep, f, indent=1)
        print(f"boot {n + 1}/{args.boots}: PASS in {seconds:.2f} s, boot hart "
              f"{boot_hart_of(console)}, {rep['interrupts']} interrupts, "
              f"{rep['traps']['hypercalls']} hypercalls, lost {rep['lost']}")
    print("boot harts chosen by OpenSBI: " +
          ", ".join(f"hart {h}: {c}" for h, c in sorted(boot_harts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
