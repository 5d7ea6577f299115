"""ruff is clean over the helpers, the tests, the tools and the chapters' code (88 columns there)."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
