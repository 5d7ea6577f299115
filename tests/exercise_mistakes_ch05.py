"""Typical wrong answers to chapter 5's checkable exercises, and a fragment of the message each must get
(tests/test_exercises.py asserts that each fails with it)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

# q2: cross-entropy's gradient with respect to the logits, by hand


def gradient_without_the_one_hot(logits, labels):
    return logits.softmax(dim=1)


def gradient_sign_reversed(logits, labels):
    return F.one_hot(labels, logits.shape[1]) - logits.softmax(dim=1)


def gradient_of_the_mean(logits, labels):
    return (logits.softmax(dim=1) - F.one_hot(labels, logits.shape[1])) / len(logits)


def gradient_softmax_over_the_batch(logits, labels):
    return logits.softmax(dim=0) - F.one_hot(labels, logits.shape[1])


def gradient_with_sigmoids(logits, labels):
    return torch.sigmoid(logits) - F.one_hot(labels, logits.shape[1])


def gradient_by_autograd(logits, labels):
    logits = logits.clone().requires_grad_()
    F.cross_entropy(logits, labels, reduction="sum").backward()
    return logits.grad


# q3: the slopes of the sigmoid and of tanh, by hand


def slopes_without_applying_the_sigmoid(x):
    return torch.stack([x * (1 - x), 1 - torch.tanh(x) ** 2])


def slopes_without_the_square(x):
    s = torch.sigmoid(x)
    return torch.stack([s * (1 - s), 1 - torch.tanh(x)])


def slopes_in_the_wrong_rows(x):
    s, t = torch.sigmoid(x), torch.tanh(x)
    return torch.stack([1 - t**2, s * (1 - s)])


def slopes_one_row(x):
    s = torch.sigmoid(x)
    return s * (1 - s)


MISTAKES = {
    1: [("a", "not a coin toss"),
        ("c", "a score of exactly 0 is not above it"),
        ("d", "flipping the sign")],
    2: [(gradient_without_the_one_hot, "the log-sum-exp part alone"),
        (gradient_sign_reversed, "the sign is the wrong way round"),
        (gradient_of_the_mean, "the gradient of the mean over the batch"),
        (gradient_softmax_over_the_batch, "the wrong axis"),
        (gradient_with_sigmoids, "the softmax of the whole row"),
        (gradient_by_autograd, "worked out by hand")],
    3: [(slopes_without_applying_the_sigmoid, "with the sigmoid applied to x first"),
        (slopes_without_the_square, "the square of tanh(x)"),
        (slopes_in_the_wrong_rows, "the rows are swapped"),
        (slopes_one_row, "shape")],
    5: [("a", "more numbers do not mean more functions"),
        ("c", "still has gradients for every weight")],
    6: [(23550, "only the weights of both layers"),
        (23580, "the output layer has a bias too"),
        (785, "the linear model's count"),
        (23520, "the first layer's weights alone")],
}
