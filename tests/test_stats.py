"""Intervals for accuracies and paired comparisons, checked against known values."""

from __future__ import annotations

import pytest
import torch

from utils.stats import accuracy_interval, compare_paired


@pytest.mark.parametrize(("correct", "total"), [(1868, 2038), (81, 263), (3, 40)])
def test_wilson_interval_ends_are_the_accuracies_one_z_score_away(correct, total):
    # Wilson's interval holds every true accuracy p for which the observed one is within z standard errors
    # of p, so both ends solve (observed - p)^2 = z^2 p (1 - p) / total.
    observed, z = correct / total, 1.959963984540054
    for p in accuracy_interval(correct, total):
        assert (observed - p) ** 2 == pytest.approx(z * z * p * (1 - p) / total, rel=1e-9)


def test_wilson_interval_stays_inside_zero_and_one():
    assert accuracy_interval(10, 10)[1] == 1.0 and accuracy_interval(10, 10)[0] > 0.6
    assert accuracy_interval(0, 10)[0] == 0.0


def test_wilson_interval_rejects_impossible_counts():
    with pytest.raises(ValueError):
        accuracy_interval(11, 10)


def test_paired_comparison_counts_only_disagreements():
    a = torch.tensor([1, 1, 1, 1, 0, 0, 1, 1] * 250).bool()  # 2000 items
    b = torch.tensor([1, 1, 1, 0, 1, 0, 1, 1] * 250).bool()
    result = compare_paired(a, b)
    assert (result.only_a, result.only_b) == (250, 250)
    assert result.difference == 0 and not result.beyond_noise and result.p_value == pytest.approx(1.0)
    better = compare_paired(torch.ones(2000, dtype=torch.bool), b)
    assert better.only_a == 500 and better.only_b == 0 and better.beyond_noise and better.p_value < 1e-100
    assert "beyond the noise" in str(better)


def test_mcnemar_small_case():
    # 12 vs 42 disagreements: exact two-sided p = 5.2e-5
    a = torch.tensor([True] * 12 + [False] * 42)
    b = ~a
    assert compare_paired(a, b).p_value == pytest.approx(5.21e-5, rel=0.01)


def test_exact_interval_matches_published_clopper_pearson_values():
    from utils.stats import _exact_interval

    low, high = _exact_interval(3, 10, 0.05)  # the textbook example: 0.0667 to 0.6525
    assert (round(low, 4), round(high, 4)) == (0.0667, 0.6525)
    assert _exact_interval(0, 4, 0.05)[0] == 0.0 and round(_exact_interval(0, 4, 0.05)[1], 4) == 0.6024


@pytest.mark.parametrize("only_a", range(0, 13))
@pytest.mark.parametrize("only_b", [0, 1, 3, 8, 20])
def test_the_interval_excludes_zero_exactly_when_the_exact_test_rejects(only_a, only_b):
    a = torch.tensor([True] * only_a + [False] * only_b + [True] * 100)
    b = torch.tensor([False] * only_a + [True] * only_b + [True] * 100)
    result = compare_paired(a, b)
    assert result.low <= result.difference <= result.high
    assert result.beyond_noise == (result.p_value < 0.05)
