# SPDX-License-Identifier: MIT
"""The constants come from the C headers, not from hand copies:
pvirq/_constants.py is generated from include/pvirq by
tools/gen_constants.py, and this test fails as soon as the committed module
and the headers disagree (a header changed, `make python-constants` was
not run). The generator itself is cross-checked against a second, simpler
reading of the plain `#define NAME <literal>` lines. The header-based
checks are skipped outside a source tree (an installed package has no
headers next to it); the library checks always run."""
import importlib.util
import re
import unittest
from pathlib import Path

import pvirq
from pvirq import _constants, _native, errors

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
INCLUDE = PACKAGE_ROOT.parents[1] / "include" / "pvirq"
GENERATOR = PACKAGE_ROOT / "tools" / "gen_constants.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_constants", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@unittest.skipUnless(INCLUDE.is_dir() and GENERATOR.exists(), "no source tree next to the package")
class HeaderConstantsTest(unittest.TestCase):
    def test_committed_module_is_what_the_headers_generate(self):
        generated = load_generator().render(INCLUDE)
        committed = Path(_constants.__file__).read_text()
        self.assertEqual(committed, generated,
                         "pvirq/_constants.py is stale: run `make python-constants`")

    def test_generator_agrees_with_a_plain_reading_of_the_literal_defines(self):
        literal = {}
        for path in INCLUDE.rglob("*.h"):
            text = re.sub(r"/\*.*?\*/", " ", path.read_text(), flags=re.S)
            for name, value in re.findall(
                    r"^#define (PVIRQ_\w+) (0x[0-9A-Fa-f]+|\d+)[uUlL]*\s*$", text, re.M):
                literal[name] = int(value, 0)
        self.assertGreaterEqual(len(literal), 20, "header reading broken?")
        for name, value in literal.items():
            self.assertEqual(getattr(_constants, name, None), value, name)
        # Expressions and enumerators are evaluated too.
        self.assertEqual(_constants.PVIRQ_ABI_VERSION,
                         literal["PVIRQ_ABI_VERSION_MAJOR"] << 16 | literal["PVIRQ_ABI_VERSION_MINOR"])
        self.assertEqual(_constants.PVIRQ_ARM64_HCR_EL2_VI, 1 << 7)
        self.assertEqual(_constants.PVIRQ_EINVAL, -1)


class LibraryAgreesTest(unittest.TestCase):
    def test_version_same_form_as_c_and_rust(self):
        self.assertEqual(pvirq.library_version(), pvirq.HEADER_VERSION)
        self.assertEqual(pvirq.HEADER_VERSION, _constants.PVIRQ_VERSION)
        major, minor, patch = (int(x) for x in pvirq.__version__.split("."))
        self.assertEqual(pvirq.HEADER_VERSION, major << 16 | minor << 8 | patch)

    def test_every_error_code_of_the_header_has_a_class_and_the_librarys_text(self):
        codes = {getattr(_constants, n): n for n in dir(_constants)
                 if re.fullmatch(r"PVIRQ_E[A-Z0-9]+", n)}
        self.assertGreaterEqual(len(codes), 16)
        unknown = _native.strerror(-10000)
        for code, name in codes.items():
            cls = errors.BY_CODE[code]
            self.assertEqual((cls.code, cls.c_name), (code, name))
            self.assertTrue(issubclass(cls, pvirq.PvirqError))
            self.assertNotEqual(_native.strerror(code), unknown, name)


if __name__ == "__main__":
    unittest.main()
