"""Intervals for accuracies and paired comparisons, checked against known values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from utils.stats import accuracy_interval, compare_paired, format_p, paired_difference_interval


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
    assert result.low < 0 < result.high
    better = compare_paired(torch.ones(2000, dtype=torch.bool), b)
    assert better.only_a == 500 and better.only_b == 0 and better.beyond_noise and better.p_value < 1e-100
    assert "beyond the noise" in str(better)


def test_mcnemar_small_case():
    # 12 vs 42 disagreements: exact two-sided p = 5.2e-5
    a = torch.tensor([True] * 12 + [False] * 42)
    b = ~a
    assert compare_paired(a, b).p_value == pytest.approx(5.21e-5, rel=0.01)


def test_few_disagreements_give_an_interval_on_both_sides_of_the_observed_difference():
    # 0 against 4 disagreements in 2,000 images: a conditional interval would end at the observed -0.002
    result = compare_paired(torch.tensor([True] * 1900 + [False] * 4 + [False] * 96),
                            torch.tensor([True] * 1900 + [True] * 4 + [False] * 96))
    assert result.difference == -0.002
    assert result.low < -0.004 and result.high > 0 and not result.beyond_noise


@pytest.mark.parametrize(("n", "only_a", "only_b", "neither"), [
    (2000, 0.012, 0.008, 0.04),   # two good classifiers that rarely disagree (chapter 3's case)
    (10000, 0.004, 0.003, 0.02),  # full MNIST's test set
    (300, 0.10, 0.05, 0.15),      # a small test set and weak classifiers
    (2000, 0.02, 0.02, 0.05),     # no real difference
])
def test_the_paired_interval_covers_the_true_difference_95_times_in_100(n, only_a, only_b, neither):
    rng = np.random.default_rng(0)
    probabilities = [1 - only_a - only_b - neither, only_a, only_b, neither]
    truth, trials = only_a - only_b, 4000
    covered = 0
    for both, a, b, none in rng.multinomial(n, probabilities, size=trials):
        low, high = paired_difference_interval(int(both), int(a), int(b), int(none))
        covered += low <= truth <= high
    # 4,000 trials estimate coverage to about ±0.007; Newcombe's interval is close to 95%, a bit above
    assert 0.935 <= covered / trials <= 0.985


@pytest.mark.parametrize("only_a", range(0, 13))
@pytest.mark.parametrize("only_b", [0, 1, 3, 8, 20])
def test_the_interval_and_the_exact_test_agree_away_from_the_edge(only_a, only_b):
    a = torch.tensor([True] * only_a + [False] * only_b + [True] * 100)
    b = torch.tensor([False] * only_a + [True] * only_b + [True] * 100)
    result = compare_paired(a, b)
    assert result.low <= result.difference <= result.high
    if result.p_value < 0.01:
        assert result.beyond_noise
    if result.p_value > 0.2:
        assert not result.beyond_noise


def test_p_values_are_printed_in_a_form_that_does_not_swing():
    assert format_p(2.8e-130) == "p < 0.001" and format_p(0.00099) == "p < 0.001"
    assert format_p(0.0054) == "p = 0.0054" and format_p(0.35) == "p = 0.35"


@pytest.mark.parametrize("counts", [(-1, 0, 0, 5), (0, 0, 0, 0)])
def test_the_paired_interval_rejects_impossible_counts(counts):
    with pytest.raises(ValueError):
        paired_difference_interval(*counts)
