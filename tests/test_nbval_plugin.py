"""The nbval plugin in a real nbval run: a notebook whose numbers moved passes within its declared tolerance
and fails outside it, with a message naming the number and the tolerance."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow  # each run starts a kernel

TOLERANCE = {"why": "a stand-in for a trained model's accuracy", "rules": [{"abs": 0.001}]}


def _notebook(path, printed: str, stored: str, tolerance: dict | None) -> None:
    cell = nbformat.v4.new_code_cell(f"print({printed!r})", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")]
    if tolerance:
        cell.metadata["tolerance"] = tolerance
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _nbval(notebook) -> subprocess.CompletedProcess:
    # the repository's own configuration (pyproject.toml: --nbval, the sanitizers; conftest.py: the plugin)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", str(notebook)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture()
def scratch():
    folder = ROOT / "_build" / "nbval-plugin-test"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def test_a_number_within_its_tolerance_passes_and_one_outside_fails_with_its_reason(scratch):
    within, outside, exact = scratch / "within.ipynb", scratch / "outside.ipynb", scratch / "exact.ipynb"
    _notebook(within, "accuracy 0.9656 (344 wrong)", "accuracy 0.9653 (344 wrong)", TOLERANCE)
    _notebook(outside, "accuracy 0.9671 (344 wrong)", "accuracy 0.9653 (344 wrong)", TOLERANCE)
    _notebook(exact, "accuracy 0.9656 (344 wrong)", "accuracy 0.9653 (344 wrong)", None)
    assert _nbval(within).returncode == 0
    failed = _nbval(outside)
    assert failed.returncode == 1 and "0.9653 -> 0.9671 (outside ±0.001)" in failed.stdout
    # without a declared tolerance, nbval's exact comparison stands
    failed = _nbval(exact)
    assert failed.returncode == 1 and "0.9653 -> 0.9656 (outside exact)" in failed.stdout
