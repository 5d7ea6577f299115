"""Typical wrong answers to chapter 3's checkable exercises (utils.exercises.ch03), each with a fragment of the
message its check must give (tests/test_exercises.py runs them)."""

from __future__ import annotations

import torch

RIGHT_SHAPES = {"a": (2038, 2, 784), "b": (5, 2), "c": (2038, 3), "d": "fails", "e": "fails"}


# ---------------------------------------------------------------- 4: the balanced accuracy


def on_all_images(correct, labels):
    return correct.float().mean()  # each image counts once, not each label


def labels_one_and_zero(correct, labels):
    per_digit = [correct[labels == label].float().mean() for label in (1, 0)]  # the chapter's labels only
    return sum(per_digit) / 2


def mean_of_booleans(correct, labels):
    per_label = [correct[labels == label].mean() for label in labels.unique()]  # no .float()
    return sum(per_label) / len(per_label)


def summed_not_averaged(correct, labels):
    return sum(correct[labels == label].float().mean() for label in labels.unique())


# ---------------------------------------------------------------- 8: the best threshold


def _per_digit_mean(right, labels):
    return (right[labels == 1].float().mean(0) + right[labels == 0].float().mean(0)) / 2


def best_accuracy_on_all(evidence, labels, candidates):
    right = (evidence[:, None] > candidates[None, :]) == (labels[:, None] == 1)
    return candidates[right.float().mean(0).argmax()]


def at_or_above(evidence, labels, candidates):
    right = (evidence[:, None] >= candidates[None, :]) == (labels[:, None] == 1)
    return candidates[_per_digit_mean(right, labels).argmax()]


def last_of_ties(evidence, labels, candidates):
    right = (evidence[:, None] > candidates[None, :]) == (labels[:, None] == 1)
    balanced = _per_digit_mean(right, labels)
    return candidates[balanced == balanced.max()][-1]


def position_not_value(evidence, labels, candidates):
    right = (evidence[:, None] > candidates[None, :]) == (labels[:, None] == 1)
    return _per_digit_mean(right, labels).argmax()


def chapter_bias_code(evidence, labels, candidates):
    right = (evidence[:, None] + candidates[None, :] > 0) == (labels[:, None] == 1)  # a bias, not a threshold
    return candidates[_per_digit_mean(right, labels).argmax()]


def looped_thresholds(evidence, labels, candidates):
    scores = []
    for threshold in candidates:
        right = (evidence > threshold) == (labels == 1)
        scores.append((right[labels == 1].float().mean() + right[labels == 0].float().mean()) / 2)
    return candidates[torch.stack(scores).argmax()]


# ---------------------------------------------------------------- 9: Wilson's interval


def wald(correct, total):
    p = correct / total
    half = 1.96 * (p * (1 - p) / total).sqrt()
    return torch.stack([p - half, p + half], dim=-1)


def stacked_as_rows(correct, total):
    p = correct / total
    centre = (p + 1.96**2 / (2 * total)) / (1 + 1.96**2 / total)
    half = 1.96 * (p * (1 - p) / total + 1.96**2 / (4 * total**2)).sqrt() / (1 + 1.96**2 / total)
    return torch.stack([centre - half, centre + half])  # (2, n), not (n, 2)


def centred_on_the_measurement(correct, total):
    p = correct / total
    half = 1.96 * (p * (1 - p) / total + 1.96**2 / (4 * total**2)).sqrt() / (1 + 1.96**2 / total)
    return torch.stack([p - half, p + half], dim=-1)  # forgot to move the centre


def looped_stats(correct, total):
    from utils.stats import accuracy_interval

    return torch.tensor([accuracy_interval(int(c), int(t)) for c, t in zip(correct, total)])


MISTAKES = {
    2: [({**RIGHT_SHAPES, "d": (2038, 784)}, "(d) is not right yet"),
        ({**RIGHT_SHAPES, "e": (1, 2)}, "(e) is not right yet"),
        ({**RIGHT_SHAPES, "a": (2038, 784)}, "(a) is not right yet"),
        ({**RIGHT_SHAPES, "d": "error"}, "as the string"),
        ([(2038, 2, 784), (5, 2), (2038, 3), "fails", "fails"], "as a dict")],
    3: [("b", "same positive number"),
        ("c", "both grow by the same factor"),
        ("d", "answer with one of")],
    4: [(on_all_images, "that is the accuracy on all images"),
        (labels_one_and_zero, "on labels 3 and 7 instead of 1 and 0, it gives values that are not finite"),
        (mean_of_booleans, "raised RuntimeError"),
        (summed_not_averaged, "their mean")],
    8: [(best_accuracy_on_all, "best accuracy on all images"),
        (at_or_above, "only when the evidence is above it"),
        (last_of_ties, "return the first of them"),
        (position_not_value, "return the candidate itself"),
        (chapter_bias_code, "treats each candidate as a bias"),
        (looped_thresholds, "Python loop")],
    9: [(wald, "Wald"),
        (stacked_as_rows, "shape (2, 3) where (3, 2) is expected"),
        (centred_on_the_measurement, "not centred on the measured accuracy"),
        (looped_stats, "Python loop")],
    10: [("a", "overlapping intervals"),
         ("c", "look at which rule is right"),
         ("d", "the 7s alone")],
}
