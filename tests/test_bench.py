"""The benchmark's arithmetic and budget checks (the timings themselves are what `make bench` reports)."""

from __future__ import annotations

import json

import pytest
import torch

from booktools import bench
from booktools.course import Budgets, Chapter, Loop
from utils.timing import describe_loop, training_flops_per_sample

BUDGETS = Budgets(reference_gflops=110.0, book_s=360.0, chapter_s=240.0, early_chapter_s=60.0, early_chapters=4,
                  rebuild_s=60.0)

LOOP = bench.TrainingLoop("07_x: fc_loop", (3072, 512, 2), "Tanh", 64, 2, samples_per_s=None,
                          fraction_budget=0.5)


def test_flops_skip_the_input_gradient_of_the_first_layer():
    # CIFAR-2 baseline: 3072 -> 512 -> 2
    first, second = 3072 * 512, 512 * 2
    assert training_flops_per_sample((3072, 512, 2)) == 4 * first + 6 * second
    assert training_flops_per_sample((10, 1)) == 40


def test_flops_reject_a_single_width():
    with pytest.raises(ValueError, match="two positive"):
        training_flops_per_sample((784,))


def test_a_chapters_published_loop_is_the_model_the_bench_builds():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3072, 512), torch.nn.Tanh(),
                                torch.nn.Linear(512, 2))
    glued = {"fc_loop": describe_loop(model, batch_size=64, samples_per_s=12345.6, matmul_gflops=99.94)}
    chapter = Chapter("chapters/07_x", (), (Loop("fc_loop", 0.5),), ())
    (loop,) = bench.TrainingLoop.from_glued(chapter, glued)
    assert (loop.sizes, loop.activation, loop.batch_size) == ((3072, 512, 2), "Tanh", 64)
    assert (loop.samples_per_s, loop.matmul_gflops, loop.fraction_budget) == (12346, 99.9, 0.5)
    built = bench.build_model(loop.sizes, loop.activation)
    assert json.loads(describe_loop(built, 64, 1.0))["sizes"] == [3072, 512, 2]


ENVIRONMENT = {"device": "CPU", "cpu": "x86_64", "cpu cores": "2", "python": "3.11", "torch": "2",
               "torchvision": "0", "fastai": "2"}


def _report(total: float, slowest_early: float, fraction: float, rebuild: float | None,
            speed: float | None = None) -> dict:
    chapters = {"01_a": {"wall_s": slowest_early, "peak_mib": 500.0, "number": 1},
                "07_b": {"wall_s": total - slowest_early, "peak_mib": 2000.0, "number": 7}}
    report = {"chapters": chapters, "total_s": total, "rebuild_s": rebuild,
              "training": {LOOP.name: {"step_fraction": 0.9, "chapter_fraction": fraction, "fraction_budget": 0.5}}}
    if speed is not None:
        report.update(speed_before_gflops=speed, speed_after_gflops=speed)
    return report


def test_budgets_met_and_missed():
    good = {b["budget"]: b["met"] for b in bench.check_budgets(_report(200, 20, 0.6, 5.0), BUDGETS)}
    assert all(good.values()) and len(good) == 5
    bad = {b["budget"]: b["met"] for b in bench.check_budgets(_report(400, 70, 0.4, 90.0), BUDGETS)}
    assert not any(bad.values()) and len(bad) == 5


def test_a_slow_hour_cannot_miss_a_budget_that_the_book_meets():
    # 485 s measured while the machine ran at 80 GFLOP/s is 353 s at the 110 GFLOP/s reference: met
    slow = {b["budget"]: b for b in bench.check_budgets(_report(485, 20, 0.6, 5.0, speed=80.0), BUDGETS)}
    book = slow["whole book, cold"]
    assert book["measured"] == 485 and book["normalised"] == pytest.approx(485 * 80 / 110) and book["met"]
    # and a fast hour cannot hide a slow book: 330 s at 140 GFLOP/s is 420 s at the reference
    fast = {b["budget"]: b for b in bench.check_budgets(_report(330, 20, 0.6, 5.0, speed=140.0), BUDGETS)}
    assert not fast["whole book, cold"]["met"]


def test_loop_budget_takes_the_lower_fraction():
    report = {"training": {LOOP.name: {"step_fraction": 0.45, "chapter_fraction": 0.9, "fraction_budget": 0.5}}}
    (check,) = bench.check_budgets(report, BUDGETS)
    assert check["measured"] == 0.45 and not check["met"]


def test_unmeasured_budgets_are_left_out_not_passed():
    assert bench.check_budgets({"training": {}}, BUDGETS) == []


def test_markdown_marks_a_missed_budget_and_gives_raw_and_normalised_times():
    report = _report(400, 20, 0.6, None, speed=110.0)
    report.update(environment=ENVIRONMENT, threads=2, date="2026-01-01", nbval_s=1.0, matmul={"1x1x1": 1.0},
                  reference_gflops=110.0, budgets=bench.check_budgets(report, BUDGETS))
    report["training"] = {}
    text = bench.to_markdown(report)
    assert "| whole book, cold | 400.0 s | 400.0 s | <= 360 s | **missed** |" in text
    assert "| rebuild" not in text
    assert "1.00 times the reference speed of 110 GFLOP/s" in text


def test_step_fraction_is_the_median_of_paired_rounds(monkeypatch):
    # (machine speed in GFLOP/s, step rate as a fraction of it) for each round: the speed drifts
    rounds = iter([(100.0, 0.45), (50.0, 0.9), (100.0, 0.6), (60.0, 0.55), (90.0, 0.7)])
    now = {}

    def fake_matmul(m, k, n, device):
        now["speed"], now["ratio"] = next(rounds)
        return now["speed"]

    flops = training_flops_per_sample(LOOP.sizes)
    loop = bench.TrainingLoop(**{**LOOP.__dict__, "samples_per_s": 0.3 * 100e9 / flops})
    monkeypatch.setattr(bench, "matmul_gflops", fake_matmul)
    monkeypatch.setattr(bench, "best_time", lambda fn, device=None, min_seconds=0.0:
                        loop.batch_size * flops / (now["ratio"] * now["speed"] * 1e9))
    result = bench.measure_loop(loop, torch.device("cpu"))
    # one round alone could read anything from 0.45 to 0.9; the median of the paired rounds is 0.6
    assert result["step_fraction"] == pytest.approx(0.6)
    assert result["matmul_gflops"] == 100.0 and result["step_samples_per_s"] == pytest.approx(60e9 / flops)
    assert result["chapter_fraction"] == pytest.approx(0.3)  # the chapter's loop against the fastest round
