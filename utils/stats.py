"""How sure is an accuracy? Intervals for one classifier, and for the difference between two classifiers
scored on the same images, so that a chapter says when a difference is within the noise.

What these intervals assume: the images are a random sample of the images the classifier will meet, and
the classifiers are fixed. They say how much an accuracy measured on *these* images could differ from the
accuracy on all such images. They say nothing about how a *recipe* (an optimizer, a learning rate) would do
if trained again with another seed: for that, train again and look at the spread.
"""

from __future__ import annotations

import math
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


def format_p(p: float) -> str:
    """A p-value as the chapters print it: ``p < 0.001`` below that, else two significant digits. Smaller
    p-values swing by orders of magnitude from one run to the next and say nothing more."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


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
        """True when the 95% interval of the difference excludes zero."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        verdict = "beyond the noise" if self.beyond_noise else "within the noise"
        return (f"{self.difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}], {self.only_a} vs "
                f"{self.only_b} disagreements, {format_p(self.p_value)}: {verdict}")


def compare_paired(correct_a: torch.Tensor, correct_b: torch.Tensor) -> PairedComparison:
    """Compare two classifiers from their per-item correctness (boolean tensors over the same items).

    The difference of accuracies gets Newcombe's hybrid score interval for paired proportions (his method
    10, 1998, with his continuity-corrected correlation): each accuracy's Wilson interval, combined through
    the correlation between the two classifiers' right answers (all four counts). It does not condition on
    how many items the two disagree on, and it behaves with few disagreements: with 190 items right for
    both, 6 wrong for both and 0 against 4 disagreements it gives [-0.051, +0.004], which includes 0, as
    McNemar's p = 0.125 agrees; the naive paired interval, difference ± 1.96 standard errors, would exclude
    it. Only the disagreements decide the exact McNemar test, which gives the p-value. The two are different
    procedures: near p = 0.05 the interval may just include zero while p is just below 0.05, or the other
    way round; ``beyond_noise`` follows the interval.
    """
    a, b = correct_a.bool().reshape(-1).cpu(), correct_b.bool().reshape(-1).cpu()
    if a.shape != b.shape or a.numel() == 0:
        raise ValueError(f"need two non-empty correctness vectors of one length, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}.")
    both, only_a, only_b = int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum())
    neither = a.numel() - both - only_a - only_b
    low, high = paired_difference_interval(both, only_a, only_b, neither)
    return PairedComparison((only_a - only_b) / a.numel(), low, high, only_a, only_b,
                            _mcnemar_exact(only_a, only_b))


def paired_difference_interval(both: int, only_a: int, only_b: int, neither: int,
                               z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for accuracy(a) - accuracy(b) on paired items.

    ``both`` items are right for both classifiers, ``only_a`` for a alone, ``only_b`` for b alone,
    ``neither`` for neither.
    """
    counts = (both, only_a, only_b, neither)
    if any(c < 0 for c in counts) or sum(counts) == 0:
        raise ValueError(f"need non-negative counts that are not all zero, got {counts}.")
    n = sum(counts)
    right_a, right_b = both + only_a, both + only_b
    p_a, p_b = right_a / n, right_b / n
    low_a, high_a = accuracy_interval(right_a, n, z)
    low_b, high_b = accuracy_interval(right_b, n, z)
    # the correlation of the two classifiers' right answers, shrunk towards 0 by n/2 as Newcombe recommends
    margins = right_a * (n - right_a) * right_b * (n - right_b)
    cross = both * neither - only_a * only_b
    cross = cross - n / 2 if cross > n / 2 else min(cross, 0)
    phi = 0.0 if margins == 0 else cross / math.sqrt(margins)
    below = math.sqrt(max(0.0, (p_a - low_a) ** 2 - 2 * phi * (p_a - low_a) * (high_b - p_b) + (high_b - p_b) ** 2))
    above = math.sqrt(max(0.0, (high_a - p_a) ** 2 - 2 * phi * (high_a - p_a) * (p_b - low_b) + (p_b - low_b) ** 2))
    difference = p_a - p_b
    return max(-1.0, difference - below), min(1.0, difference + above)


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


def _mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact binomial test of ``only_a`` successes in ``only_a + only_b`` fair coin flips."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    return min(1.0, 2 * _binomial_cdf(min(only_a, only_b), n, 0.5))
