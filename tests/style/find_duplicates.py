#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copy-paste detector for the library's C sources.

Reports every run of at least --min-lines consecutive significant lines
that appears in two places (in one file or in two). "Significant" means
after removing comments and whitespace differences, and ignoring lines
with no identifier or number in them (braces, `break;`, blank lines), so
that formatting cannot hide a copy and boilerplate cannot fake one.

    tests/style/find_duplicates.py [--min-lines N] [paths...]

Default paths: src/ and include/. Exit status 1 when a duplicate is found:
factor it out, or generate both copies from one table (as abi.h does).
"""
import argparse
import os
import re
import sys
from collections import defaultdict

COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
WORD = re.compile(r"[A-Za-z0-9_]")
TRIVIAL = {"else", "break;", "continue;", "return;", "default:", "do", "#endif", "#else"}


def significant_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # Keep line numbers: replace each comment by as many newlines as it had.
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        norm = " ".join(line.split())
        if not norm or norm in TRIVIAL or not WORD.search(norm):
            continue
        out.append((number, norm))
    return out


def sources(paths):
    for root in paths:
        if os.path.isfile(root):
            yield root
            continue
        for d, _, files in os.walk(root):
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    yield os.path.join(d, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-lines", type=int, default=8)
    ap.add_argument("paths", nargs="*", default=["src", "include"])
    args = ap.parse_args()
    k = args.min_lines

    lines = {p: significant_lines(p) for p in sorted(sources(args.paths))}
    windows = defaultdict(list)  # text of k lines -> [(file, index)]
    for path, sig in lines.items():
        for i in range(len(sig) - k + 1):
            windows["\n".join(t for _, t in sig[i:i + k])].append((path, i))

    # Pairs of places whose windows match, grown into maximal runs.
    seen = set()
    found = []
    for places in windows.values():
        for a in range(len(places)):
            for b in range(a + 1, len(places)):
                (pa, ia), (pb, ib) = places[a], places[b]
                if pa == pb and abs(ia - ib) < k:
                    continue  # a run overlapping itself (repeated lines)
                if (pa, ia - 1, pb, ib - 1) in seen:
                    seen.add((pa, ia, pb, ib))
                    continue  # inside a run already reported
                seen.add((pa, ia, pb, ib))
                n = k
                la, lb = lines[pa], lines[pb]
                while (ia + n < len(la) and ib + n < len(lb)
                       and la[ia + n][1] == lb[ib + n][1]
                       and not (pa == pb and ia + n == ib)):
                    n += 1
                found.append((pa, la[ia][0], la[ia + n - 1][0], pb, lb[ib][0],
                              lb[ib + n - 1][0], n))

    for pa, a0, a1, pb, b0, b1, n in found:
        print(f"{pa}:{a0}-{a1} and {pb}:{b0}-{b1}: {n} identical lines")
    if found:
        print(f"{len(found)} duplicated run(s) of >= {k} significant lines", file=sys.stderr)
        return 1
    print(f"no run of >= {k} significant lines appears twice in {len(lines)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
