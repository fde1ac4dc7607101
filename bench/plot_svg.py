#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws the benchmark's JSON as one SVG (standard library only).

    plot_svg.py results.json out.svg

Left: time per operation of every timed row, libpvirq beside the locked
baseline and the hardware floor, on a log scale. Right: throughput scaling
in Mops/s. Bottom: each target, met or missed, with its figure.
"""
import json
import math
import sys
from xml.sax.saxutils import escape

COLORS = {"libpvirq": "#1f77b4", "locked": "#ff7f0e", "floor": "#9a9a9a"}
BAR, GAP, LABEL_W, PLOT_W = 7, 9, 300, 360


def text(x, y, s, size=12, anchor="start", weight="normal", color="#222"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{color}">{escape(str(s))}</text>')


def bar(x, y, w, color):
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{BAR}" fill="{color}"/>'


def timing_panel(rows, x0, y0):
    """Horizontal grouped bars, log10 scale from 1 ns."""
    timed = [r for r in rows if r["unit"] == "ns" and not r["id"].startswith("tput_")]
    top = max(max(v for v in (r["libpvirq"], r["locked"], r["floor"]) if v) for r in timed)
    decades = max(1, math.ceil(math.log10(top)))
    scale = PLOT_W / decades
    out = [text(x0, y0, "Time per operation (ns, log scale; shorter is better)", 14, weight="bold")]
    y = y0 + 18
    for d in range(decades + 1):
        gx = x0 + LABEL_W + d * scale
        out.append(f'<line x1="{gx:.1f}" y1="{y}" x2="{gx:.1f}" '
                   f'y2="{y + len(timed) * (3 * BAR + GAP)}" stroke="#ddd"/>')
        out.append(text(gx, y - 4, f"{10 ** d:g}", 10, "middle", color="#666"))
    group = None
    for r in timed:
        if r["group"] != group:
            group = r["group"]
        out.append(text(x0 + LABEL_W - 6, y + 1.5 * BAR + 4, r["label"], 11, "end"))
        for i, key in enumerate(("libpvirq", "locked", "floor")):
            v = r[key]
            if v:
                w = max(math.log10(max(v, 1.0)), 0.02) * scale
                out.append(bar(x0 + LABEL_W, y + i * BAR, w, COLORS[key]))
                if key == "libpvirq":
                    out.append(text(x0 + LABEL_W + w + 4, y + BAR, f"{v:.1f}", 9, color="#1f77b4"))
        y += 3 * BAR + GAP
    return out, y


def throughput_panel(rows, x0, y0):
    tput = [r for r in rows if r["id"].startswith("tput_")]
    if not tput:
        return [], y0
    top = max(1000.0 / v for r in tput for v in (r["libpvirq"], r["locked"], r["floor"]) if v)
    width = 300
    out = [text(x0, y0, "Throughput (Mops/s, longer is better)", 14, weight="bold")]
    y = y0 + 14
    for r in tput:
        out.append(text(x0, y + BAR + 4, r["label"], 11))
        y += 14
        for i, key in enumerate(("libpvirq", "locked", "floor")):
            v = r[key]
            if v:
                mops = 1000.0 / v
                w = mops / top * width
                out.append(bar(x0, y + i * BAR, w, COLORS[key]))
                out.append(text(x0 + w + 4, y + i * BAR + BAR, f"{mops:.0f}", 9, color="#555"))
        y += 3 * BAR + GAP
    return out, y


def legend(x0, y0):
    out = []
    for i, (name, color) in enumerate(COLORS.items()):
        label = {"floor": "hardware floor / budget / direct call"}.get(name, name)
        out.append(f'<rect x="{x0}" y="{y0 + i * 16}" width="12" height="10" fill="{color}"/>')
        out.append(text(x0 + 18, y0 + i * 16 + 9, label, 11))
    return out


def targets_panel(doc, x0, y0):
    out = [text(x0, y0, "Targets", 14, weight="bold")]
    y = y0 + 18
    for t in doc["targets"]:
        ok = t["met"]
        out.append(text(x0, y, "met" if ok else "MISSED", 11, weight="bold",
                        color="#2a7d2a" if ok else "#c62828"))
        fig = t["figure"]
        out.append(text(x0 + 60, y, f'{t["text"]}: {fig:.2f} {t["detail"]}', 11))
        y += 16
    if not doc.get("abi_rows"):
        out.append(text(x0 + 60, y, "decode + dispatch rows: decoders not in this build", 11))
        y += 16
    return out, y


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    rows = doc["rows"]
    m = doc["machine"]
    title = (f'libpvirq benchmark: {m["cpus"]} CPUs ({m["cpu_model"]}), median of '
             f'{doc["repetitions"]} repetitions{" (QUICK smoke run)" if doc["quick"] else ""}')
    left, y_left = timing_panel(rows, 10, 50)
    right_x = 10 + LABEL_W + PLOT_W + 60
    right, y_right = throughput_panel(rows, right_x, 50)
    right += legend(right_x, y_right + 10)
    bottom, y_end = targets_panel(doc, 10, max(y_left, y_right + 60) + 20)
    width, height = right_x + 380, y_end + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             text(10, 24, title, 16, weight="bold")] + left + right + bottom + ["</svg>"]
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
