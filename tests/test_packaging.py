"""The helper package installs with pip (which is how Colab gets it), and asks Colab for nothing new."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile

import pytest
import tomllib
from helpers import ROOT
from packaging.requirements import Requirement


def _pins(path) -> dict[str, str]:
    """name -> pinned version of a requirements file's ``name==version`` lines."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def _dependencies() -> list[Requirement]:
    return [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]


@pytest.mark.slow  # builds a wheel
def test_the_wheel_learners_install_holds_the_helpers_and_nothing_else(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path)], check=True, capture_output=True)
    wheels = list(tmp_path.glob("dl_course_utils-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    code = {n for n in names if not n.startswith("dl_course_utils-")}
    # every learner module, and no tooling (booktools: the registry, the Sphinx extension, the checks)
    assert code == {p.relative_to(ROOT).as_posix() for p in (ROOT / "utils").rglob("*.py")}
    metadata = zipfile.ZipFile(wheels[0]).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "requires-dist: pyyaml" not in metadata.lower()  # the registry reader is tooling
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_the_learner_helpers_never_import_the_tooling():
    for path in (ROOT / "utils").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("booktools", "yaml") for n in names), \
                f"{path.relative_to(ROOT)} imports tooling ({names})"


def test_package_version_matches_pyproject():
    import utils

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert utils.__version__ == project["version"]


@pytest.mark.parametrize("requirements", ["requirements.txt", "requirements-colab.txt"])
def test_dependencies_are_lower_bounds_that_both_environments_meet(requirements):
    pins = _pins(ROOT / requirements)
    for dep in _dependencies():
        assert not any(spec.operator in ("==", "<", "<=", "~=") for spec in dep.specifier), \
            f"{dep}: pyproject.toml states lower bounds only"
        name = dep.name.lower()
        assert name in pins, f"{requirements} does not pin {dep.name}"
        assert dep.specifier.contains(pins[name], prereleases=True), \
            f"{requirements} has {dep.name}=={pins[name]}, which {dep} would replace"


def test_colab_requirements_are_colabs_own_versions():
    freeze = ROOT.parent / "shared" / "colab" / "pip-freeze.gpu.txt"
    if not freeze.exists():
        pytest.skip("Google's list of Colab's packages (../shared/colab) is not beside this checkout")
    colab = {name: version.split("+")[0] for name, version in _pins(freeze).items()}
    # PyPI's torch 2.11.0 brings CUDA 13 libraries; Colab's build from PyTorch's index has CUDA 12.8
    ours = {n: v for n, v in _pins(ROOT / "requirements-colab.txt").items() if not n.startswith(("nvidia-", "cuda-"))}
    differ = {n: (v, colab[n]) for n, v in ours.items() if n in colab and colab[n] != v}
    assert differ == {}, "requirements-colab.txt must pin Colab's versions (ours, Colab's)"
    for name in ("torch", "torchvision", "fastai", "ipywidgets", "ipython", "ipykernel", "numpy", "pandas"):
        assert ours.get(name) == colab[name], f"{name} is not pinned to Colab's version"
