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
from utils.seeding import (
    DEFAULT_THREADS,
    PINNED_NUMERICS,
    chapter_threads,
    compared_run_env,
    mark_compared_run,
    reproducible_run,
    set_seed,
)


def test_get_device_prefers_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device().type == "cuda"


def test_get_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device().type == "cpu"


def test_environment_report_names_versions():
    report = environment_report()
    assert report["torch"] == torch.__version__
    assert set(report) >= {"python", "torchvision", "fastai", "device", "torch threads", "cpu kernels", "MKL branch"}
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


def test_importing_the_helpers_has_no_side_effects(tmp_path):
    code = """
import json, sys, warnings, torch
threads = torch.get_num_threads(); filters = len(warnings.filters)
import utils, utils.course, utils.data, utils.device, utils.notebook, utils.plotting, utils.seeding, utils.timing
import utils.training
print(json.dumps({"threads": torch.get_num_threads() == threads, "filters": len(warnings.filters) == filters,
                  "deterministic": torch.are_deterministic_algorithms_enabled(),
                  "fastai": "fastai" in sys.modules}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=True)
    assert json.loads(out.stdout) == {"threads": True, "filters": True, "deterministic": False, "fastai": False}
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a fastai config


@pytest.mark.parametrize(("value", "compared"), [("1", True), ("", False), ("0", False), (None, False)])
def test_compared_runs_pin_threads_and_learner_runs_use_every_core(monkeypatch, value, compared):
    if value is None:
        monkeypatch.delenv("COURSE_REPRODUCIBLE", raising=False)
    else:
        monkeypatch.setenv("COURSE_REPRODUCIBLE", value)
    assert reproducible_run() == compared
    assert chapter_threads() == (DEFAULT_THREADS if compared else None)


def test_marking_a_compared_run_pins_the_code_paths_and_keeps_what_is_already_set(monkeypatch):
    monkeypatch.setattr("platform.machine", lambda: "x86_64")
    environ = {"MKL_CBWR": "AUTO"}
    mark_compared_run(environ)
    assert environ == {"COURSE_REPRODUCIBLE": "1", **PINNED_NUMERICS, "MKL_CBWR": "AUTO"}
    monkeypatch.setattr("platform.machine", lambda: "aarch64")  # no MKL, no AVX2 there
    assert compared_run_env() == {"COURSE_REPRODUCIBLE": "1"}


def test_a_kernel_of_a_compared_run_uses_the_pinned_kernels_whatever_the_cpu():
    if "MKL_CBWR" not in compared_run_env():
        pytest.skip("the pinned code paths are for x86-64 CPUs")
    code = "import torch; print(torch.backends.cpu.get_cpu_capability())"
    env = {"PATH": "/usr/bin:/bin", **compared_run_env()}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "AVX2"
    assert out.stderr == ""  # nbval compares stderr: a pin must not print a warning in every kernel


def test_setup_chapter_reports_the_threads_it_set(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_REPRODUCIBLE", "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    old = torch.get_num_threads()
    try:
        setup_chapter()
        assert torch.get_num_threads() == DEFAULT_THREADS
    finally:
        torch.set_num_threads(old)
    expected = f"Device: CPU, {DEFAULT_THREADS} CPU threads (pinned, so every digit matches the book)\n"
    assert capsys.readouterr().out == expected


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
