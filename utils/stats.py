"""How sure is an accuracy? Intervals for one classifier, and for the difference between two classifiers
scored on the same images, so that a chapter says when a difference is within the noise."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

Z95 = 1.959963984540054  # the 97.5% point of the standard normal: a two-sided 95% interval


def accuracy_interval(correct: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval (95% by default) for an accuracy of ``correct`` out of ``total``.

    Unlike "p ± 1.96 standard errors", it stays inside [0, 1] and behaves near 0 and 1, where good
    classifiers live.
    """
    if total < 1 or not 0 <= correct <= total:
        raise ValueError(f"need 0 <= correct <= total and total >= 1, got {correct} of {total}.")
    p = correct / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == total else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class PairedComparison:
    """Two classifiers scored on the same items."""

    difference: float  # accuracy of a minus accuracy of b
    low: float  # 95% interval of the difference
    high: float
    only_a: int  # items a gets right and b gets wrong
    only_b: int  # items b gets right and a gets wrong
    p_value: float  # exact two-sided McNemar test: how surprising the split of the disagreements is

    @property
    def beyond_noise(self) -> bool:
        """True when the 95% interval of the difference excludes zero (exactly when p < 0.05)."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        verdict = "beyond the noise" if self.beyond_noise else "within the noise"
        return (f"{self.difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}], {self.only_a} vs "
                f"{self.only_b} disagreements, p = {self.p_value:.2g}: {verdict}")


def compare_paired(correct_a: torch.Tensor, correct_b: torch.Tensor, alpha: float = 0.05) -> PairedComparison:
    """Compare two classifiers from their per-item correctness (boolean tensors over the same items).

    Only the items on which they disagree carry information about which is better. Given how many there
    are, the share that ``a`` wins is a binomial proportion: its exact (Clopper-Pearson) interval, scaled
    to a difference of accuracies, is the interval returned, and McNemar's exact test gives the p-value.
    The two agree: the 95% interval (``alpha`` = 0.05) excludes zero exactly when p < 0.05, however few
    the disagreements.
    """
    a, b = correct_a.bool().reshape(-1), correct_b.bool().reshape(-1)
    if a.shape != b.shape or a.numel() == 0:
        raise ValueError(f"need two non-empty correctness vectors of one length, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}.")
    n = a.numel()
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    disagreements = only_a + only_b
    if disagreements == 0:
        return PairedComparison(0.0, 0.0, 0.0, 0, 0, 1.0)
    low, high = _exact_interval(only_a, disagreements, alpha)
    scale = disagreements / n  # a share w of the disagreements won by a is a difference of scale * (2w - 1)
    return PairedComparison((only_a - only_b) / n, scale * (2 * low - 1), scale * (2 * high - 1), only_a, only_b,
                            _mcnemar_exact(only_a, only_b))


def _binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in logs so that large n does not underflow."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 1.0 if k >= n else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(k + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def _exact_interval(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    """The Clopper-Pearson interval of a binomial proportion: each end leaves alpha/2 in one tail."""

    def root(tail: Callable[[float], float]) -> float:
        """The p in (0, 1) at which ``tail``, which falls as p grows, equals alpha/2 (by bisection)."""
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if tail(mid) > alpha / 2 else (lo, mid)
        return (lo + hi) / 2

    # the low end leaves P(X >= successes) = alpha/2, that is P(X <= successes - 1) = 1 - alpha/2
    low = 0.0 if successes == 0 else root(lambda p: _binomial_cdf(successes - 1, trials, p) - (1 - alpha))
    high = 1.0 if successes == trials else root(lambda p: _binomial_cdf(successes, trials, p))
    return low, high


def _mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact binomial test of ``only_a`` successes in ``only_a + only_b`` fair coin flips."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    return min(1.0, 2 * _binomial_cdf(min(only_a, only_b), n, 0.5))
