"""The plain entry points work with nothing but the installed requirements: a kernel started in chapters/
imports the helpers and runs a chapter's setup cell, and the book's Sphinx configuration loads its
extensions, all with PYTHONPATH unset (the helpers come from the editable install of this checkout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow  # each test starts an interpreter that imports torch or Sphinx


def _plain_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_REPRODUCIBLE")}
    return {**env, **extra}


def _run(code: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=_plain_env(**extra), capture_output=True,
                          text=True, timeout=300)


def test_a_kernel_in_chapters_imports_this_checkouts_helpers_and_runs_the_setup_cell():
    code = ("import json, pathlib, utils\n"
            "from utils.notebook import setup_chapter\n"
            "device = setup_chapter()\n"
            "print(json.dumps({'root': str(pathlib.Path(utils.__file__).resolve().parents[1]),"
            " 'device': device.type}))")
    done = _run(code, ROOT / "chapters")
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.strip().splitlines()
    assert json.loads(last)["root"] == str(ROOT), "the environment's helpers point at another checkout: make env"
    # every core, and a word on why training results may differ from the page
    assert printed[0].startswith("Device: ") and "trained results may differ" in printed[0]


def test_the_books_sphinx_configuration_loads_its_extensions_from_any_folder(tmp_path):
    code = ("import importlib, pathlib\n"
            "from jupyter_book.config import get_final_config\n"
            f"root = pathlib.Path({str(ROOT)!r})\n"
            "config, _ = get_final_config(user_yaml=root / '_config.yml', sourcedir=root,\n"
            "                             cli_config={'latex_individualpages': False})\n"
            "for name in config['extensions']:\n"
            "    importlib.import_module(name)\n"
            "print('booktools.book' in config['extensions'])")
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True"
