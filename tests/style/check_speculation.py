#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Speculation audit of the engine and the arch shims (Spectre v1).

A guest chooses the function number, the INFO key, every INTID, input and
target. Any of them that selects code (a switch, which the compiler may turn
into a jump table) or memory (a subscript of a lookup table) must be clamped
with pvirq_nospec() after its bounds check, or the selector must be one the
guest cannot choose. This check finds every switch and every subscript of a
file-scope constant table in src/core and src/arch and fails unless the
selector is clamped in place or listed, with the reason it is safe, in
speculation_audit.txt beside this file. A new guest-controlled selector
therefore fails `make test` until someone clamps it or argues it.

Usage: check_speculation.py SOURCE_DIR
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
audit_path = pathlib.Path(__file__).with_name("speculation_audit.txt")

audited = set()
for line in audit_path.read_text().splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    # file | selector | reason
    parts = [p.strip() for p in line.split("|")]
    if len(parts) != 3 or not parts[2]:
        sys.exit(f"{audit_path}: malformed line (want 'file | selector | reason'): {line}")
    audited.add((parts[0], parts[1]))


def balanced(text, start):
    """The text between the bracket at text[start] and its partner."""
    pairs = {"(": ")", "[": "]"}
    opener, closer, depth = text[start], pairs[text[start]], 0
    for i in range(start, len(text)):
        if text[i] == opener:
            depth += 1
        elif text[i] == closer:
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return text[start + 1:]


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


sites = []  # (file, line, kind, selector)
files = sorted(list((root / "src/core").glob("*.[ch]")) + list((root / "src/arch").glob("*/*.[ch]")))
for path in files:
    rel = path.relative_to(root).as_posix()
    text = strip_comments(path.read_text())
    for m in re.finditer(r"\bswitch\s*\(", text):
        sel = " ".join(balanced(text, m.end() - 1).split())
        sites.append((rel, text.count("\n", 0, m.start()) + 1, "switch", sel))
    tables = re.findall(r"^\s*static\s+const\s+[\w\s]+?\b(\w+)\s*\[", text, flags=re.M)
    for name in tables:
        for m in re.finditer(r"\b%s\s*\[" % re.escape(name), text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if re.match(r"\s*static\s+const", text[line_start:m.start()]):
                continue  # the definition itself
            sel = " ".join(balanced(text, m.end() - 1).split())
            sites.append((rel, text.count("\n", 0, m.start()) + 1, name + "[]", sel))

bad = [s for s in sites if "pvirq_nospec(" not in s[3] and (s[0], s[3]) not in audited]
used = {(s[0], s[3]) for s in sites}
stale = sorted(a for a in audited if a not in used)
for f, line, kind, sel in bad:
    print(f"{f}:{line}: {kind} selector '{sel}' is neither clamped with pvirq_nospec() "
          f"nor argued in {audit_path.name}")
for f, sel in stale:
    print(f"{audit_path.name}: '{f} | {sel}' matches no site any more: remove it")
print(f"speculation audit: {len(sites)} selectors, {len(bad)} unclamped and unargued, "
      f"{len(stale)} stale audit lines")
sys.exit(1 if bad or stale else 0)
