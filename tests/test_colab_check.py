"""The Colab check's verdicts: headline numbers against the stored ones, and stray stderr."""

from __future__ import annotations

import importlib.util
import sys

from helpers import ROOT

from utils.course import Headline

spec = importlib.util.spec_from_file_location("colab_check", ROOT / "tools" / "colab_check.py")
colab_check = importlib.util.module_from_spec(spec)
sys.modules["colab_check"] = colab_check  # dataclasses look their module up there
spec.loader.exec_module(colab_check)


def _headline(**kw) -> Headline:
    base = dict(chapter="01_x", glue="acc", quantity="q", rule="at_least", reference=0.8, source="s",
                reproduce=0.01, tolerance=0.005)
    return Headline(**{**base, **kw})


def test_a_trained_number_may_move_within_its_tolerance():
    h = _headline()
    assert colab_check.compare_headline(h, {"acc": 0.85}, {"acc": 0.859})["ok"]
    row = colab_check.compare_headline(h, {"acc": 0.85}, {"acc": 0.839})
    assert not row["ok"] and "more than 0.01" in row["why"]


def test_an_exact_number_must_not_move():
    h = _headline(rule="equal", reference=0.8125, tolerance=0.0, reproduce="exact")
    assert colab_check.compare_headline(h, {"acc": 0.8125}, {"acc": 0.8125})["ok"]
    assert not colab_check.compare_headline(h, {"acc": 0.8125}, {"acc": 0.8126})["ok"]


def test_a_timing_is_held_to_its_rule_only():
    h = _headline(reference=10.0, tolerance=0.0, reproduce="rule")
    assert colab_check.compare_headline(h, {"acc": 500.0}, {"acc": 40.0})["ok"]
    assert not colab_check.compare_headline(h, {"acc": 500.0}, {"acc": 9.0})["ok"]


def test_a_number_the_chapter_did_not_publish_fails():
    assert colab_check.compare_headline(_headline(), {"acc": 0.85}, {})["why"] == "not published"


def test_only_allowed_stderr_passes():
    assert colab_check.unexpected_stderr("\n  \n") == []
    assert colab_check.unexpected_stderr("UserWarning: something\n") == ["UserWarning: something"]
