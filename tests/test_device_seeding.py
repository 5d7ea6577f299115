"""Device choice, seeding, and that importing the helpers changes nothing."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import ROOT

from utils.device import environment_report, get_device
from utils.notebook import expect_error, setup_chapter
from utils.seeding import chapter_threads, compared_run, compared_run_env, mark_compared_run, set_seed


def test_get_device_prefers_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cuda"


def test_get_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device().type == "cpu"


def test_environment_report_names_versions():
    report = environment_report()
    assert report["torch"] == torch.__version__
    assert set(report) >= {"python", "torchvision", "fastai", "device", "torch threads", "cpu kernels"}
    assert report["cpu kernels"] == torch.backends.cpu.get_cpu_capability()


def test_set_seed_makes_every_generator_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3).tolist()

    set_seed(7)
    first = draw()
    set_seed(7)
    assert draw() == first
    set_seed(8)
    assert draw() != first


@pytest.mark.parametrize("cuda", [False, True])
def test_set_seed_pins_threads_and_determinism(monkeypatch, cuda):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    old = torch.get_num_threads()
    try:
        set_seed(0, threads=1)
        assert torch.get_num_threads() == 1
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        # deterministic kernels are switched on only where they exist to be switched on: CUDA
        assert torch.are_deterministic_algorithms_enabled() == cuda
    finally:
        torch.use_deterministic_algorithms(False)
        torch.set_num_threads(old)


@pytest.mark.parametrize("kwargs", [{"seed": -1}, {"seed": 1.5}, {"seed": 1, "threads": 0}])
def test_set_seed_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        set_seed(**kwargs)


LEARNER_MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                         for p in (ROOT / "utils").rglob("*.py") if p.name != "__main__.py")


@pytest.mark.slow  # a fresh interpreter
def test_importing_any_learner_module_has_no_side_effects(tmp_path):
    code = f"""
import json, os, sys, warnings, torch
threads, filters, environ, path = torch.get_num_threads(), len(warnings.filters), dict(os.environ), list(sys.path)
import importlib
for name in {LEARNER_MODULES!r}:
    importlib.import_module(name)
print(json.dumps({{"threads": torch.get_num_threads() == threads, "filters": len(warnings.filters) == filters,
                  "environ": dict(os.environ) == environ, "path": sys.path == path,
                  "deterministic": torch.are_deterministic_algorithms_enabled(),
                  "fastai": "fastai" in sys.modules}}))
"""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}  # the helpers come from the editable install
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"threads": True, "filters": True, "environ": True, "path": True,
                                      "deterministic": False, "fastai": False}
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a fastai config
    assert {"utils.stats", "utils.training", "utils.data.prepare"} <= set(LEARNER_MODULES)


def _set(monkeypatch, name: str, value: str | None) -> None:
    """Set an environment variable for one test, or remove it (``None``)."""
    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("value", "compared"), [("1", True), ("", False), ("0", False), (None, False)])
def test_a_compared_run_is_marked_by_its_environment(monkeypatch, value, compared):
    _set(monkeypatch, "COURSE_REPRODUCIBLE", value)
    assert compared_run() == compared


def test_marking_a_compared_run_pins_no_numerics_and_keeps_what_is_already_set():
    environ = {"COURSE_REPRODUCIBLE": "0", "MKL_CBWR": "AUTO"}
    mark_compared_run(environ)
    assert environ == {"COURSE_REPRODUCIBLE": "0", "MKL_CBWR": "AUTO"}
    environ = {}
    mark_compared_run(environ)
    assert environ == compared_run_env() == {"COURSE_REPRODUCIBLE": "1"}


@pytest.mark.parametrize(("value", "threads"), [(None, None), ("", None), ("1", 1), ("4", 4)])
def test_course_threads_sets_the_thread_count_and_every_core_is_the_default(monkeypatch, value, threads):
    _set(monkeypatch, "COURSE_THREADS", value)
    assert chapter_threads() == threads


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_names_the_variable_and_the_fix(monkeypatch, value):
    monkeypatch.setenv("COURSE_THREADS", value)
    with pytest.raises(ValueError, match="COURSE_THREADS must be a whole number"):
        chapter_threads()


def test_setup_chapter_uses_every_core_unless_told_and_says_what_it_chose(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    old = torch.get_num_threads()
    try:
        monkeypatch.setenv("COURSE_THREADS", "1")
        setup_chapter()
        assert torch.get_num_threads() == 1
        assert capsys.readouterr().out.startswith("Device: CPU, 1 CPU thread (trained results may differ")
    finally:
        torch.set_num_threads(old)


def test_expect_error_prints_the_error_and_goes_on(capsys):
    with expect_error(ValueError):
        raise ValueError("shapes (3,) and (256,)")
    assert capsys.readouterr().out == "ValueError: shapes (3,) and (256,)\n"


def test_expect_error_refuses_a_block_that_does_not_fail_or_fails_otherwise():
    with pytest.raises(AssertionError, match="expected the block to raise ValueError"):
        with expect_error(ValueError):
            pass
    with pytest.raises(KeyError):
        with expect_error(ValueError):
            raise KeyError("other")
