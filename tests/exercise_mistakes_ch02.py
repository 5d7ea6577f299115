"""Typical wrong answers to chapter 2's checkable exercises (utils.exercises.ch02), each with a fragment of the
message its check must give (tests/test_exercises.py runs them)."""

from __future__ import annotations

import torch

RIGHT_SHAPES = {"a": (2, 3), "b": "fails", "c": (2, 3), "d": (4, 5, 3), "e": (3, 3), "f": (6, 6), "g": (6, 6)}


# ---------------------------------------------------------------- 3: standardize the columns


def centred_only(data):
    return data - data.mean(dim=0)  # forgot to divide by the standard deviation


def per_row(data):
    return (data - data.mean(dim=1)) / data.std(dim=1)  # the wrong axis


def in_place(data):
    data -= data.mean(dim=0)  # changes the caller's table
    return data / data.std(dim=0)


def population_std(data):
    centred = data - data.mean(dim=0)
    return centred / (centred**2).mean(dim=0).sqrt()  # divides by n, where std divides by n - 1


def column_loop(data):
    return torch.stack([(column - column.mean()) / column.std() for column in data.T], dim=1)


# ---------------------------------------------------------------- 4: distances to every pattern


def squared_distances(images, patterns):
    return ((images[:, None, :] - patterns[None, :, :]) ** 2).sum(dim=-1)  # no square root


def patterns_first(images, patterns):
    return ((images[None, :, :] - patterns[:, None, :]) ** 2).sum(dim=-1).sqrt()  # (m, n)


def no_new_axes(images, patterns):
    return ((images - patterns) ** 2).sum(dim=-1).sqrt()


def looped_distances(images, patterns):
    return torch.stack([((image - patterns) ** 2).sum(dim=-1).sqrt() for image in images])


# ---------------------------------------------------------------- 6: a batch of matrix products


def no_batch_axis(A, B):
    return (A[:, :, None] * B[None, :, :]).sum(dim=1)  # chapter 2's matmul_broadcast, unchanged


def wrong_sum_axis(A, B):
    return (A[:, :, :, None] * B[:, None, :, :]).sum(dim=-1)


def looped_batch(A, B):
    return torch.stack([(a[:, :, None] * b[None]).sum(dim=1) for a, b in zip(A, B)])


# ---------------------------------------------------------------- 7: the temporary's bytes


def counted_numbers(n, k, m):
    return n * k * m  # numbers, not bytes


def result_bytes(n, k, m):
    return n * m * 4  # the result's size, not the temporary's


def counted_bits(n, k, m):
    return n * k * m * 32


# ---------------------------------------------------------------- 8: every threshold at once


def no_column(prob, is_three, thresholds):
    return ((prob > thresholds) == is_three.bool()).float().mean(dim=-1)


def counted_not_averaged(prob, is_three, thresholds):
    return ((prob > thresholds[:, None]) == is_three.bool()).float().sum(dim=1)


def averaged_over_thresholds(prob, is_three, thresholds):
    return ((prob > thresholds[:, None]) == is_three.bool()).float().mean(dim=0)


def at_least(prob, is_three, thresholds):
    return ((prob >= thresholds[:, None]) == is_three.bool()).float().mean(dim=1)


def no_float(prob, is_three, thresholds):
    return ((prob > thresholds[:, None]) == is_three.bool()).mean(dim=1)


def looped_thresholds(prob, is_three, thresholds):
    return torch.stack([((prob > t) == is_three.bool()).float().mean() for t in thresholds])


MISTAKES = {
    1: [
        ({**RIGHT_SHAPES, "e": (3,)}, "(e) is not right yet"),  # thought a missing axis is not stretched
        ({**RIGHT_SHAPES, "b": (2, 3)}, "(b) is not right yet"),  # aligned on the left
        ({**RIGHT_SHAPES, "f": (6, 1), "g": (6, 6)}, "(f) is not right yet"),  # fell for the trap
        ({**RIGHT_SHAPES, "a": [2, 3]}, "write each shape as a tuple of ints"),
        ({**RIGHT_SHAPES, "b": "error"}, 'as the string "fails"'),
        ([(2, 3), "fails"], 'one entry per pair, the keys "a" to "g"'),
    ],
    3: [
        (centred_only, "values are not the expected ones"),
        (per_row, "raised RuntimeError"),
        (in_place, "changes its input (argument 1) in place"),
        (population_std, "off by a constant factor"),
        (column_loop, "uses a Python loop"),
    ],
    4: [
        (squared_distances, "values are not the expected ones"),
        (patterns_first, "returns shape (3, 6) where (6, 3) is expected"),
        (no_new_axes, "raised RuntimeError"),
        (looped_distances, "uses a Python loop"),
    ],
    5: [
        ("a", "a single element has a memory location of its own"),
        ("b", "a whole row"),
        ("d", "writes nothing into `view`"),
        ("e", "answer with one of"),
    ],
    6: [
        (no_batch_axis, "raised RuntimeError"),
        (wrong_sum_axis, "returns shape (8, 5, 4) where (8, 5, 2) is expected"),
        (looped_batch, "uses a Python loop"),
    ],
    7: [
        (counted_numbers, "that counts the numbers; the question asks for bytes"),
        (result_bytes, "that is the size of the result"),
        (counted_bits, "that counts bits"),
    ],
    8: [
        (no_column, "raised RuntimeError"),
        (counted_not_averaged, "about 8 times too large"),
        (averaged_over_thresholds, "returns shape (8,) where (101,) is expected"),
        (at_least, "values are not the expected ones"),
        (no_float, "raised RuntimeError: mean(): could not infer output dtype"),
        (looped_thresholds, "uses a Python loop"),
    ],
}
