"""Typical wrong answers to chapter 7's checkable exercises (utils.exercises.ch07), each with a fragment of the
message its check must give (tests/test_exercises.py runs them)."""

from __future__ import annotations

import torch.nn.functional as F

# ---------------------------------------------------------------- 2: parameters of a stack of Linear layers


def weights_only(widths):
    return sum(a * b for a, b in zip(widths, widths[1:]))


def bias_per_input(widths):
    return sum(a * b + a for a, b in zip(widths, widths[1:]))


def first_layer_only(widths):
    return widths[0] * widths[1] + widths[1] if len(widths) > 1 else 0


# ---------------------------------------------------------------- 5: the cross-entropy gradient by hand


def summed(scores, labels):
    return scores.softmax(dim=1) - F.one_hot(labels, scores.shape[1])


def sign_flipped(scores, labels):
    return (F.one_hot(labels, scores.shape[1]) - scores.softmax(dim=1)) / len(labels)


def without_label(scores, labels):
    return scores.softmax(dim=1) / len(labels)


def softmax_over_batch(scores, labels):
    return (scores.softmax(dim=0) - F.one_hot(labels, scores.shape[1])) / len(labels)


def naive_exp(scores, labels):
    probs = scores.exp() / scores.exp().sum(dim=1, keepdim=True)  # overflows in the hundreds
    return (probs - F.one_hot(labels, scores.shape[1])) / len(labels)


def with_autograd(scores, labels):
    scores = scores.clone().requires_grad_()
    F.cross_entropy(scores, labels).backward()
    return scores.grad


# ---------------------------------------------------------------- 6: the std of a pre-activation


def variance(x):
    return (x.square().sum(dim=1).mean() + 1) / (3 * x.shape[1])


def without_the_third(x):
    return ((x.square().sum(dim=1).mean() + 1) / x.shape[1]).sqrt()


def without_bias(x):
    return (x.square().mean() / 3).sqrt()


def centred_inputs(x):
    return ((x.var() * x.shape[1] + 1) / (3 * x.shape[1])).sqrt()


MISTAKES = {
    1: [("b", "position of the *first* largest"), ("c", "never gives exactly 0"), ("d", "not each column"),
        ("e", "answer with one of")],
    2: [(weights_only, "one bias per output"), (bias_per_input, "not one per input"),
        (first_layer_only, "first layer only"), (12345, "pass your function itself")],
    5: [(summed, "*sum* of the losses"), (sign_flipped, "sign is the wrong way round"),
        (without_label, "the label is missing"), (softmax_over_batch, "dim=0, the batch"),
        (naive_exp, "not finite"), (with_autograd, "by hand")],
    6: [(variance, "that is the variance"), (without_the_third, "a^2 / 3"), (without_bias, "the bias"),
        (centred_inputs, "the inputs' offset counts")],
    8: [("b", "rarely appears in training"), ("c", "moving every pixel is not what hurts")],
}
