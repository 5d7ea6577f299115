"""The benchmark's arithmetic and budget checks (the timings themselves are what `make bench` reports)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(spec)
sys.modules["bench"] = bench  # dataclasses look their module up there
spec.loader.exec_module(bench)


def test_flops_skip_the_input_gradient_of_the_first_layer():
    # CIFAR-2 baseline: 3072 -> 512 -> 2
    first, second = 3072 * 512, 512 * 2
    assert bench.training_flops_per_sample((3072, 512, 2)) == 4 * first + 6 * second
    assert bench.training_flops_per_sample((10, 1)) == 40


def test_flops_reject_a_single_width():
    with pytest.raises(ValueError, match="two positive"):
        bench.training_flops_per_sample((784,))


ENVIRONMENT = {"device": "CPU", "cpu": "x86_64", "cpu cores": "2", "python": "3.11", "torch": "2",
               "torchvision": "0", "fastai": "2"}


def _report(total: float, slowest_early: float, fraction: float, rebuild: float | None) -> dict:
    chapters = {"01_tensors": {"wall_s": slowest_early, "peak_mib": 500.0},
                "07_cifar2_feedforward": {"wall_s": total - slowest_early, "peak_mib": 2000.0}}
    return {"chapters": chapters, "total_s": total, "rebuild_s": rebuild,
            "training": {bench.LOOPS[-1].name: {"step_fraction": 0.9, "chapter_fraction": fraction}}}


def test_budgets_met_and_missed():
    good = {b["budget"]: b["met"] for b in bench.check_budgets(_report(200, 20, 0.6, 5.0))}
    assert all(good.values()) and len(good) == 5
    bad = {b["budget"]: b["met"] for b in bench.check_budgets(_report(400, 70, 0.4, 90.0))}
    assert bad == {"whole book, cold": False, "slowest chapter": False, "slowest of chapters 1-4": False,
                   "rebuild with nothing changed": False,
                   "CIFAR-2 FC loop, fraction of matmul throughput": False}


def test_loop_budget_takes_the_lower_fraction():
    report = {"training": {bench.LOOPS[-1].name: {"step_fraction": 0.45, "chapter_fraction": 0.9}}}
    (check,) = bench.check_budgets(report)
    assert check["measured"] == 0.45 and not check["met"]


def test_unmeasured_budgets_are_left_out_not_passed():
    checks = bench.check_budgets({"training": {}})
    assert checks == []


def test_markdown_marks_a_missed_budget():
    report = _report(400, 20, 0.6, None)
    report.update(environment=ENVIRONMENT,
                  threads=2, date="2026-01-01", nbval_s=1.0, matmul={"1x1x1": 1.0},
                  budgets=bench.check_budgets(report))
    report["training"] = {}
    text = bench.to_markdown(report)
    assert "| whole book, cold | 400.0 s | <= 360 s | **missed** |" in text
    assert "| rebuild" not in text


def test_markdown_states_the_machine_speed_only_when_both_probes_ran():
    report = _report(300, 20, 0.6, None)
    report.update(environment=ENVIRONMENT,
                  threads=2, date="2026-01-01", nbval_s=1.0, matmul={"1x1x1": 1.0}, training={},
                  speed_before_gflops=120.04, speed_after_gflops=61.0)
    text = bench.to_markdown(report)
    assert "averaged 120.0 GFLOP/s just before them and 61.0 GFLOP/s just after" in text
    del report["speed_after_gflops"]
    assert "Machine speed" not in bench.to_markdown(report)


def test_step_fraction_is_the_median_of_paired_rounds(monkeypatch):
    # (machine speed in GFLOP/s, step rate as a fraction of it) for each round: the speed drifts
    rounds = iter([(100.0, 0.45), (50.0, 0.9), (100.0, 0.6), (60.0, 0.55), (90.0, 0.7)])
    now = {}

    def fake_matmul(m, k, n, device):
        now["speed"], now["ratio"] = next(rounds)
        return now["speed"]

    loop = bench.LOOPS[-1]
    flops = bench.training_flops_per_sample(loop.sizes)
    monkeypatch.setattr(bench, "matmul_gflops", fake_matmul)
    monkeypatch.setattr(bench, "best_time", lambda fn, device=None, min_seconds=0.0:
                        loop.batch_size * flops / (now["ratio"] * now["speed"] * 1e9))
    result = bench.measure_loop(loop, torch.device("cpu"), {loop.glue_name: 0.3 * 100e9 / flops})
    # one round alone could read anything from 0.45 to 0.9; the median of the paired rounds is 0.6
    assert result["step_fraction"] == pytest.approx(0.6)
    assert result["matmul_gflops"] == 100.0 and result["step_samples_per_s"] == pytest.approx(60e9 / flops)
    assert result["chapter_fraction"] == pytest.approx(0.3)  # the chapter's loop against the fastest round
