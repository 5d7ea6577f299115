"""The helper package installs with pip (which is how Colab gets it)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import tomllib

from conftest import ROOT


def test_wheel_contains_every_helper_module(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path)], check=True, capture_output=True)
    wheels = list(tmp_path.glob("dl_course_utils-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    modules = {f"utils/{p.name}" for p in (ROOT / "utils").glob("*.py")}
    assert modules <= names
    assert not any(n.startswith(("tests/", "chapters/")) for n in names)


def test_package_version_matches_pyproject():
    import utils

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert utils.__version__ == project["version"]
