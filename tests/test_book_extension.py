"""The book's extension: the note under each chapter title and the Results table, both from course.yml."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import CHAPTERS, ROOT

from booktools.book import (
    BEHIND,
    MEETS,
    MISSING,
    colab_note,
    dataset_titles,
    differ_note,
    format_value,
    issue_link,
    results_rows,
    run_note,
    status,
)
from booktools.course import headlines
from utils.seeding import compared_run_env


def test_run_note_states_needs_and_rounded_runtime():
    note = run_note(12.6, ["MNIST_SAMPLE (fastai)"])
    assert "datasets: MNIST_SAMPLE (fastai)" in note and "ran in 13 s" in note
    assert "datasets: none" in run_note(1.0, [])


def test_dataset_titles_come_from_the_data_catalog():
    by_stem = {c.stem: c for c in CHAPTERS}
    titles = {stem: dataset_titles(c) for stem, c in by_stem.items()}
    assert ["MNIST_SAMPLE (fastai)"] in titles.values() and ["CIFAR-10 (fastai)"] in titles.values()
    assert all(len(t) == len(c.datasets) for t, c in zip(titles.values(), by_stem.values()))


def test_results_rows_give_a_status_from_the_same_value_they_show():
    # for every headline, a value that meets its rule and one that misses it: the row shows that value and
    # the status that value earns (a reference to another headline is given a value too)
    for h in headlines():
        values = {g.glue: g.target({}) if not isinstance(g.reference, str) else 1.0
                  for g in headlines() if g.chapter == h.chapter}
        target = h.target(values)
        slack = h.tolerance + 0.01 * max(1.0, abs(target))
        good = target if h.rule == "equal" else (target + slack if h.rule == "at_least" else target - slack)
        bad = target + 0.01 if h.rule == "equal" else (target - slack if h.rule == "at_least" else target + slack)
        for value, expected in ((good, MEETS), (bad, BEHIND)):
            (row,) = [r for r in results_rows({h.chapter: {**values, h.glue: value}}) if r["quantity"] == h.quantity]
            assert (row["value"], row["status"]) == (format_value(value), expected), h.glue
    missing = results_rows({})
    assert len(missing) == len(headlines()) and all(r["status"] == MISSING and r["value"] == "—" for r in missing)


def test_status_is_the_headline_rule():
    h = next(h for h in headlines() if h.rule == "at_least" and isinstance(h.reference, float))
    assert status(h, {h.glue: h.reference}) == MEETS
    assert status(h, {h.glue: h.reference - h.tolerance - 0.01}) == BEHIND
    assert status(h, {}) == MISSING


@pytest.mark.slow  # a fresh interpreter
def test_loading_the_extension_marks_the_build_as_a_compared_run():
    code = "import os, sys\nfrom booktools import book\nfrom utils import seeding\nclass App:\n" \
           "    def __getattr__(self, name):\n        return lambda *a, **k: None\nbook.setup(App())\n" \
           "print(' '.join(f'{k}={os.environ[k]}' for k in seeding.compared_run_env()), 'torch' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if k not in compared_run_env()}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    # and the book's extension imports no torch: it only reads course.yml and this build's glued values
    assert done.stdout.split() == [*(f"{k}={v}" for k, v in compared_run_env().items()), "False"], done.stderr


def test_the_colab_line_speaks_only_of_a_report_about_this_notebook_and_these_helpers():
    report = {"code_key": "c1", "versions": {"python": "3.13.15", "torch": "2.11.0", "fastai": "2.8.8"},
              "chapters": {"05_x": {"ok": True, "notebook_key": "n1"}, "06_y": {"ok": False, "notebook_key": "n2"}}}
    line = colab_note(report, "05_x", "n1", "c1")
    assert line == ("Run on Colab's software stack (python 3.13.15, torch 2.11.0, fastai 2.8.8) when this book was "
                    "built: every cell ran, nothing reached stderr, and every output agreed with this page within "
                    "its tolerance.")
    assert "did NOT pass" in colab_note(report, "06_y", "n2", "c1")
    assert colab_note(report, "05_x", "another notebook", "c1") is None  # a report about an older version
    assert colab_note(report, "05_x", "n1", "other helpers") is None
    assert colab_note({}, "05_x", "n1", "c1") is None


def test_the_differ_line_gives_each_trained_headlines_range_from_the_registry():
    chapter = next(c for c in CHAPTERS if any(not isinstance(h.reproduce, str) for h in c.headlines))
    values = {h.glue: 0.5 for h in chapter.headlines}
    line = differ_note(chapter, values)
    for h in chapter.headlines:
        if not isinstance(h.reproduce, str):
            assert f"0.5000 ± {float(h.reproduce):g}" in line
    exact_only = next(c for c in CHAPTERS if c.headlines and all(isinstance(h.reproduce, str) for h in c.headlines))
    assert differ_note(exact_only, {h.glue: 0.5 for h in exact_only.headlines}) is None


def test_the_problem_link_opens_the_repositorys_form_with_the_chapter_filled_in():
    link = issue_link("https://github.com/dl-course/tensors-to-training-loops", CHAPTERS[4])
    assert link.startswith("https://github.com/dl-course/tensors-to-training-loops/issues/new?template=problem.yml")
    assert f"chapter={CHAPTERS[4].stem}" in link
    assert (ROOT / ".github" / "ISSUE_TEMPLATE" / "problem.yml").is_file()
    assert issue_link("", CHAPTERS[4]) is None
