# SPDX-License-Identifier: MIT
"""The ctypes prototypes of pvirq._native against the C headers: a binding
declared with a wrong argument or return type silently corrupts values, so
every declaration is compared with the header's, and every PVIRQ_API
function of a bound header must be declared. Skipped outside a source tree
(an installed package has no headers next to it)."""
import ctypes
import re
import unittest
from pathlib import Path

from pvirq import _native

INCLUDE = Path(__file__).resolve().parents[3] / "include" / "pvirq"
# Headers the Python package does not bind, and why.
NOT_BOUND = {
    "guest.h": "guest-side hypercall wrappers, not part of the host API",
    "eventfd.h": "Linux epoll bridge over raw file descriptors, for C VMMs",
    "guest/driver.h": "the guest driver core runs in guests, not hosts",
    "guest/trap.h": "the guest driver core runs in guests, not hosts",
    "guest/x86_discover.h": "the guest driver core runs in guests, not hosts",
}

SCALARS = {
    "int": ctypes.c_int, "bool": ctypes.c_bool, "size_t": ctypes.c_size_t,
    "uint8_t": ctypes.c_uint8, "uint16_t": ctypes.c_uint16,
    "uint32_t": ctypes.c_uint32, "uint64_t": ctypes.c_uint64,
    "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64,
}


def expected_ctype(decl, has_name):
    """ctypes type pvirq._native must use for one C parameter/return type."""
    decl = decl.strip()
    array = decl.endswith("]")  # `uint64_t irr[4]` is a pointer parameter
    if array:
        decl = decl[: decl.rindex("[")]
    tokens = decl.replace("*", " * ").split()
    if has_name:
        tokens.pop()
    if array:
        tokens.append("*")
    stars = tokens.count("*")
    words = [t for t in tokens if t not in ("const", "*")]
    is_enum = words[0] == "enum"
    words = [w for w in words if w not in ("struct", "enum")]
    (base,) = words
    if base == "void":
        return None if stars == 0 else ctypes.c_void_p
    if base == "char" and stars == 1:
        return ctypes.c_char_p
    if base == "pvirq_vm":  # opaque: handled as a plain pointer
        return {1: ctypes.c_void_p, 2: ctypes.POINTER(ctypes.c_void_p)}[stars]
    if is_enum:
        target = ctypes.c_int
    elif base in SCALARS:
        target = SCALARS[base]
    else:
        target = _native.STRUCTS[base]
    for _ in range(stars):
        target = ctypes.POINTER(target)
    return target


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def header_prototypes():
    found = {}
    for path in sorted(INCLUDE.rglob("*.h")):
        rel = path.relative_to(INCLUDE).as_posix()
        if rel in NOT_BOUND:
            continue
        text = strip_comments(path.read_text())
        for match in re.finditer(r"^\s*PVIRQ_API\s+([^;]*?)\(([^)]*)\)\s*;", text, re.M):
            head, params = " ".join(match.group(1).split()), " ".join(match.group(2).split())
            name = re.search(r"(\w+)$", head).group(1)
            ret = expected_ctype(head[: -len(name)], False)
            args = [] if params == "void" else [expected_ctype(p, True) for p in params.split(",")]
            found[name] = (rel, ret, args)
    return found


@unittest.skipUnless(INCLUDE.is_dir(), "no source tree headers next to the package")
class PrototypeTest(unittest.TestCase):
    def test_every_prototype_is_declared_with_the_headers_types(self):
        headers = header_prototypes()
        self.assertGreaterEqual(len(headers), 30, "header parser broken?")
        problems = []
        for name, (rel, ret, args) in headers.items():
            if name not in _native.PROTOTYPES:
                if _native.has(name):
                    problems.append(f"{name} ({rel}) is exported but not declared: add it to "
                                    "pvirq/_native.py PROTOTYPES (and to pvirq-sys)")
                continue
            got_ret, got_args = _native.PROTOTYPES[name]
            if got_ret is not ret or list(got_args) != args:
                problems.append(f"{name}: header says {ret} {args}, "
                                f"pvirq._native says {got_ret} {got_args}")
        for name in _native.PROTOTYPES:
            if name not in headers:
                problems.append(f"{name} is declared but no bound header has it")
        self.assertEqual(problems, [])

    def test_config_layout_matches_the_rust_checked_one(self):
        # Same field order as struct pvirq_config; sizes on LP64.
        fields = [f for f, _ in _native.Config._fields_]
        self.assertEqual(fields, ["nr_vcpus", "nr_trusted", "nr_untrusted", "nr_rvid_inputs",
                                  "cpu_ids", "notify", "notify_ctx", "line_level",
                                  "line_level_ctx", "guest_page", "guest_page_ctx", "resample",
                                  "resample_ctx", "nmi_line"])
        # Nine pointers, then the bool padded to pointer alignment.
        self.assertEqual(ctypes.sizeof(_native.Config), 16 + 10 * ctypes.sizeof(ctypes.c_void_p))


if __name__ == "__main__":
    unittest.main()
