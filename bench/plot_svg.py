#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws the benchmark's JSON as one SVG with matplotlib (python3-matplotlib).

    plot_svg.py results.json out.svg

Every bar carries its figure. Each colour has one meaning in every panel:
libpvirq, the locked baseline, the hardware floor, the core call alone
(no decoder), the decoder's own part; a budget is a black line, not a bar.
Panels: time per operation (log scale), throughput, hypercall cost (time,
and callgrind instructions when decoder_cost.py has run), state per vCPU
against its budget, and every target with its figure, met or missed.
"""
import json
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend choice)

COLOR = {"libpvirq": "#1f77b4", "locked": "#ff7f0e", "floor": "#8c8c8c",
         "direct": "#2ca02c", "decoder": "#9467bd"}
LABEL = {"libpvirq": "libpvirq", "locked": "locked baseline (spinlock per vCPU)",
         "floor": "hardware floor", "direct": "core call alone (no decoder)",
         "decoder": "decode + dispatch (the decoder's own part)"}
BUDGET = "#000000"
H = 0.26  # bar height


def label_bar(ax, bar, value, fmt):
    ax.annotate(fmt.format(value), (bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)


def grouped(ax, labels, series, fmt, log=False):
    """Horizontal bars: one group per label, one bar per (key, values)."""
    n = len(series)
    for i, (key, values) in enumerate(series):
        for j, v in enumerate(values):
            if v is None:
                continue
            y = j + (i - (n - 1) / 2) * H
            (bar,) = ax.barh(y, v, H, color=COLOR[key])
            label_bar(ax, bar, v, fmt)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.margins(x=0.18)
    ax.grid(axis="x", color="#e5e5e5")
    ax.set_axisbelow(True)


def timing_panel(ax, rows):
    timed = [r for r in rows if r["unit"] == "ns" and not r["id"].startswith(("tput_", "decode_"))]
    labels, ours, locked, floor = [], [], [], []
    for r in timed:
        labels.append(r["label"])
        if r["group"] == "hardware floor":  # the row is the floor itself
            ours.append(None)
            locked.append(None)
            floor.append(r["libpvirq"])
        else:
            ours.append(r["libpvirq"])
            locked.append(r["locked"])
            floor.append(r["floor"])
    grouped(ax, labels, [("libpvirq", ours), ("locked", locked), ("floor", floor)], "{:.1f}", log=True)
    ax.set_title("Time per operation (ns, log scale; shorter is better)", fontsize=10, loc="left")


def throughput_panel(ax, rows):
    tput = [r for r in rows if r["id"].startswith("tput_")]
    mops = lambda v: 1000.0 / v if v else None  # noqa: E731
    grouped(ax, [r["label"] for r in tput],
            [(k, [mops(r[k]) for r in tput]) for k in ("libpvirq", "locked", "floor")], "{:.0f}")
    ax.set_title("Throughput, SIGNAL + CLEAR_PENDING (Mops/s; longer is better)", fontsize=10, loc="left")


def hypercall_panels(ax_ns, ax_ins, doc):
    dec = [r for r in doc["rows"] if r["id"].startswith("decode_")]
    if not dec:
        ax_ns.text(0.5, 0.5, "decoders not in this build", ha="center", transform=ax_ns.transAxes)
    else:
        grouped(ax_ns, [r["label"] for r in dec],
                [("libpvirq", [r["libpvirq"] for r in dec]), ("direct", [r["floor"] for r in dec])],
                "{:.1f}")
    ax_ns.set_title("Hypercall through the decoder vs the core call alone (ns per call)",
                    fontsize=10, loc="left")
    cost = doc.get("decoder")
    ax_ins.set_title("Instructions per hypercall (callgrind: exact, repeatable)", fontsize=10, loc="left")
    if not cost:
        ax_ins.text(0.5, 0.5, "not measured (bench/decoder_cost.py)", ha="center",
                    transform=ax_ins.transAxes)
        ax_ins.set_axis_off()
        return
    arches = list(cost["arches"].values())
    for j, a in enumerate(arches):
        core = a["direct_instructions_per_call"]
        own = a["instructions_per_call"] - core
        (b1,) = ax_ins.barh(j, core, 0.5, color=COLOR["direct"])
        (b2,) = ax_ins.barh(j, own, 0.5, left=core, color=COLOR["decoder"])
        ax_ins.annotate(f"{core:.0f}", (core / 2, j), ha="center", va="center", fontsize=7, color="white")
        ax_ins.annotate(f"{own:.0f}", (core + own / 2, j), ha="center", va="center", fontsize=7,
                        color="white")
        label_bar(ax_ins, b2, a["instructions_per_call"], "{:.0f} in all")
    ax_ins.set_yticks(range(len(arches)), [a["name"] for a in arches], fontsize=8)
    ax_ins.invert_yaxis()
    ax_ins.margins(x=0.25)
    rt = cost.get("exit_round_trip_us")
    if rt:
        ax_ins.set_xlabel(f"one hypercall exit round trip in the KVM demo: {rt:.1f} us "
                          f"({cost.get('exit_round_trip_source', '')})", fontsize=8)


def state_panel(ax, rows):
    st = [r for r in rows if r["unit"] == "B"]
    grouped(ax, [r["label"] for r in st],
            [("libpvirq", [r["libpvirq"] for r in st]), ("locked", [r["locked"] for r in st])], "{:.0f} B")
    for j, r in enumerate(st):
        ax.plot([r["floor"], r["floor"]], [j - 0.4, j + 0.4], color=BUDGET, linewidth=2)
        ax.annotate(f"budget {r['floor']:.0f} B", (r["floor"], j - 0.4), xytext=(3, 0),
                    textcoords="offset points", fontsize=7, va="top")
    ax.set_title("State per vCPU (bytes; black line: the budget of the state target)",
                 fontsize=10, loc="left")


def targets_panel(ax, doc):
    ax.set_axis_off()
    ax.set_title("Targets", fontsize=10, loc="left")
    y = 1.0
    for t in doc["targets"]:
        share = t["id"].startswith("decoder_share")
        limit = f"{'>=' if t['at_least'] else '<='} {t['limit']:.0%}" if share else \
            f"{'>=' if t['at_least'] else '<='} {t['limit']:g}"
        fig = f"{t['figure']:.3%}" if share else f"{t['figure']:.3g}"
        ax.text(0.0, y, "met" if t["met"] else "MISSED", fontsize=8, weight="bold",
                color="#2a7d2a" if t["met"] else "#c62828", transform=ax.transAxes, va="top")
        ax.text(0.06, y, f"{t['text']}: {fig} (limit {limit}) {t['detail']}", fontsize=8,
                transform=ax.transAxes, va="top")
        y -= 1.0 / max(len(doc["targets"]), 1)


def legend(fig, keys):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = [Patch(color=COLOR[k], label=LABEL[k]) for k in keys]
    handles.append(Line2D([], [], color=BUDGET, linewidth=2, label="budget"))
    fig.legend(handles=handles, loc="upper right", ncol=3, fontsize=8, frameon=False)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    plt.rcParams["svg.hashsalt"] = "pvirq-bench"  # same input, same SVG
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, checkable
    rows = doc["rows"]
    fig = plt.figure(figsize=(16, 15))
    grid = fig.add_gridspec(4, 2, height_ratios=[5.5, 2.2, 2.2, 2.4], hspace=0.45, wspace=0.55)
    timing_panel(fig.add_subplot(grid[0, :]), rows)
    throughput_panel(fig.add_subplot(grid[1, 0]), rows)
    state_panel(fig.add_subplot(grid[1, 1]), rows)
    hypercall_panels(fig.add_subplot(grid[2, 0]), fig.add_subplot(grid[2, 1]), doc)
    targets_panel(fig.add_subplot(grid[3, :]), doc)
    m = doc["machine"]
    fig.suptitle(f"libpvirq benchmark: {m['cpus']} CPUs ({m['cpu_model']}), median of "
                 f"{doc['repetitions']} repetitions{' (QUICK smoke run: figures mean nothing)' if doc['quick'] else ''}",
                 x=0.01, ha="left", fontsize=12, weight="bold")
    legend(fig, ["libpvirq", "locked", "floor", "direct", "decoder"])
    fig.savefig(sys.argv[2], format="svg", bbox_inches="tight", metadata={"Date": None})


if __name__ == "__main__":
    main()
