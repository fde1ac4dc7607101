# SPDX-License-Identifier: MIT
"""Runs the example and the package doctest, so neither can rot."""
import contextlib
import doctest
import io
import runpy
import unittest
from pathlib import Path

import pvirq

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "inject.py"


class ExampleTest(unittest.TestCase):
    def test_inject_example(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            module = runpy.run_path(str(EXAMPLE))
            self.assertEqual(module["main"](), 40)
        self.assertIn("vCPU 1 took INTID 40", out.getvalue())

    def test_package_doctest(self):
        result = doctest.testmod(pvirq)
        self.assertGreater(result.attempted, 0)
        self.assertEqual(result.failed, 0)


if __name__ == "__main__":
    unittest.main()
