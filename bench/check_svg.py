#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks plot_svg.py's picture against the JSON it was drawn from:

    check_svg.py results.json picture.svg

- every bar is labelled: each figure of each row (libpvirq, locked baseline,
  floor; Mops/s for throughput; bytes for state) is a text of the SVG;
- every target is shown, with met or MISSED;
- one meaning per colour: the bars use exactly the colours the legend
  names, and the legend names each once.
Standard library only (the SVG keeps its text as text: svg.fonttype none).
"""
import json
import re
import sys
import xml.etree.ElementTree as ET
from html import unescape


def main():
    doc = json.load(open(sys.argv[1]))
    svg = open(sys.argv[2]).read()
    texts = [unescape(t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]
    texts = [re.sub(r"<[^>]+>", "", t) for t in texts]
    joined = "\n".join(texts)
    problems = []

    def need(value, what):
        if value not in texts:
            problems.append(f"no label {value!r} for {what}")

    for r in doc["rows"]:
        keys = ("libpvirq", "locked", "floor")
        if r["unit"] == "B":
            for k in ("libpvirq", "locked"):
                if r[k] is not None:
                    need(f"{r[k]:.0f} B", f"{r['id']} {k}")
            need(f"budget {r['floor']:.0f} B", f"{r['id']} budget")
        elif r["id"].startswith("tput_"):
            for k in keys:
                if r[k]:
                    need(f"{1000.0 / r[k]:.0f}", f"{r['id']} {k}")
        else:
            for k in keys:
                if r[k] is not None:
                    need(f"{r[k]:.1f}", f"{r['id']} {k}")
    for t in doc["targets"]:
        if t["text"] not in joined:
            problems.append(f"target not shown: {t['text']}")
    shown = sum(1 for t in texts if t in ("met", "MISSED"))
    if shown != len(doc["targets"]):
        problems.append(f"{shown} met/MISSED marks for {len(doc['targets'])} targets")

    # Bar colours: filled closed paths (`style="fill: #rrggbb"`) outside the
    # legend; the legend's patches name the colours.
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"

    def fill(el):
        m = re.search(r"fill: (#[0-9a-f]{6})", el.get("style", ""))
        return m.group(1) if m else None

    legend = next((g for g in root.iter(ns + "g") if g.get("id") == "legend_1"), None)
    in_legend = set(legend.iter()) if legend is not None else set()
    bar_colours = {fill(p) for p in root.iter(ns + "path")
                   if p not in in_legend and fill(p) and p.get("d", "").strip().endswith("z")}
    bar_colours.discard("#ffffff")  # the figure and axes backgrounds
    legend_colours = [fill(p) for p in in_legend if p.tag == ns + "path" and fill(p)]
    if legend is None:
        problems.append("no legend")
    elif len(legend_colours) != len(set(legend_colours)):
        problems.append(f"a colour appears twice in the legend: {legend_colours}")
    elif not bar_colours <= set(legend_colours):
        problems.append(f"bar colours {sorted(bar_colours - set(legend_colours))} are not in the legend")
    if problems:
        sys.exit("bench.svg check failed:\n  " + "\n  ".join(problems))
    print(f"bench.svg: {len(texts)} texts, every bar labelled, {len(doc['targets'])} targets, "
          f"{len(legend_colours)} colours each with one legend entry")


if __name__ == "__main__":
    main()
