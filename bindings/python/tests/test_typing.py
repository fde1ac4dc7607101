# SPDX-License-Identifier: MIT
"""The package ships type hints (PEP 561): a py.typed marker next to the
modules, and every public function and method annotated, parameters and
return, with hints that resolve (a misspelt forward reference fails)."""
import inspect
import typing
import unittest
from pathlib import Path

import pvirq
from pvirq import hypercall


def public_callables():
    yield from ((f"pvirq.{n}", getattr(pvirq, n)) for n in ("library_version", "library_path",
                                                            "strerror", "snapshot_config"))
    yield from ((f"pvirq.hypercall.{n}", getattr(hypercall, n)) for n in hypercall.__all__
                if inspect.isfunction(getattr(hypercall, n)))
    for cls in (pvirq.VM, pvirq.Vcpu, pvirq.Rvid):
        for name, member in vars(cls).items():
            if name.startswith("_") and name not in ("__init__", "__enter__", "__exit__"):
                continue
            if isinstance(member, property):
                member = member.fget
            elif isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if inspect.isfunction(member):
                yield f"{cls.__name__}.{name}", member


class TypingTest(unittest.TestCase):
    def test_py_typed_marker_ships_with_the_package(self):
        self.assertTrue((Path(pvirq.__file__).parent / "py.typed").is_file())

    def test_every_public_callable_is_fully_annotated(self):
        missing = []
        checked = 0
        for name, fn in public_callables():
            checked += 1
            sig = inspect.signature(fn)
            hints = typing.get_type_hints(fn)
            for p in sig.parameters.values():
                if p.name in ("self", "cls"):
                    continue
                if p.name not in hints:
                    missing.append(f"{name}({p.name})")
            if "return" not in hints:
                missing.append(f"{name} -> ?")
        self.assertGreaterEqual(checked, 50)
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
