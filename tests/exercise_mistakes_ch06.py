"""Typical wrong answers to chapter 6's checkable exercises (utils.exercises.ch06), each with a fragment of the
message its check must give (tests/test_exercises.py runs them)."""

from __future__ import annotations

import torch

# ---------------------------------------------------------------- 2: how far step t of momentum moves


def move_at_the_limit(t, lr, g, mu):
    return torch.full((len(t),), lr * g / (1 - mu))  # where the steps are heading, from the first step on


def move_of_an_average(t, lr, g, mu):
    return lr * g * (1 - mu**t)  # v <- mu v + (1 - mu) g: the velocity as an average, not a sum


def move_one_term_too_many(t, lr, g, mu):
    return lr * g * (1 - mu ** (t + 1)) / (1 - mu)


def move_without_lr(t, lr, g, mu):
    return g * (1 - mu**t) / (1 - mu)


def total_distance(t, lr, g, mu):
    return lr * g * (t - mu * (1 - mu**t) / (1 - mu)) / (1 - mu)


def move_as_a_float(t, lr, g, mu):
    return lr * g * (1 - mu ** t.max().item()) / (1 - mu)  # one number, for the largest t only


# ---------------------------------------------------------------- 5: the number of batches


def floor_division(n, bs):
    return n // bs  # the last, smaller batch is lost


def floor_plus_one(n, bs):
    return n // bs + 1  # one too many when bs divides n


def true_division(n, bs):
    return n / bs


def rounded_to_nearest(n, bs):
    return round(n / bs)


# ---------------------------------------------------------------- 9: log-sum-exp


def naive(z):
    return z.exp().sum(dim=1).log()


def shifted_by_the_batch_maximum(z):
    m = z.max()
    return m + (z - m).exp().sum(dim=1).log()


def maximum_not_added_back(z):
    m = z.max(dim=1, keepdim=True).values
    return (z - m).exp().sum(dim=1).log()


def maximum_without_keepdim(z):
    m = z.max(dim=1).values  # shape (n,): z - m lines it up with the columns
    return m + (z - m).exp().sum(dim=1).log()


def row_by_row(z):
    rows = []
    for row in z:
        m = row.max()
        rows.append(m + (row - m).exp().sum().log())
    return torch.stack(rows)


def with_torch_logsumexp(z):
    return torch.logsumexp(z, dim=1)


# ---------------------------------------------------------------- 10: binary logistic regression's gradient


def summed_over_images(x, y, w, b):
    p = torch.sigmoid(x @ w + b)
    return x.T @ (p - y)


def truth_minus_probability(x, y, w, b):
    p = torch.sigmoid(x @ w + b)
    return x.T @ (y - p) / len(y)


def with_the_sigmoids_slope(x, y, w, b):
    p = torch.sigmoid(x @ w + b)
    return x.T @ ((p - y) * p * (1 - p)) / len(y)


def without_the_bias(x, y, w, b):
    p = torch.sigmoid(x @ w)
    return x.T @ (p - y) / len(y)


def scores_for_probabilities(x, y, w, b):
    return x.T @ (x @ w + b - y) / len(y)


def by_autograd(x, y, w, b):
    w = w.clone().requires_grad_()
    p = torch.sigmoid(x @ w + b)
    (-(y * p.log() + (1 - y) * (1 - p).log()).mean()).backward()
    return w.grad


# ---------------------------------------------------------------- 12: Adam, step by step


def adam_without_bias_correction(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for g in grads:
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        p = p - lr * m / (s.sqrt() + eps)
    return p


def adam_with_eps_inside_the_root(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        p = p - lr * (m / (1 - beta1**t)) / (s / (1 - beta2**t) + eps).sqrt()
    return p


def adam_with_running_sums(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + g
        s = beta2 * s + g * g
        p = p - lr * (m / (1 - beta1**t)) / ((s / (1 - beta2**t)).sqrt() + eps)
    return p


def rmsprop_step(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    s = torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        s = beta2 * s + (1 - beta2) * g * g
        p = p - lr * g / ((s / (1 - beta2**t)).sqrt() + eps)
    return p


def adam_in_place(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        p -= lr * (m / (1 - beta1**t)) / ((s / (1 - beta2**t)).sqrt() + eps)
    return p


def adam_counting_from_zero(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for t, g in enumerate(grads):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        p = p - lr * (m / (1 - beta1**t)) / ((s / (1 - beta2**t)).sqrt() + eps)
    return p


MISTAKES = {
    1: [("a", "computes exp(-1000) itself"),
        ("c", "0 / 0 is not 0"),
        ("d", "nothing underflows"),
        ("e", "answer with one of")],
    2: [(move_at_the_limit, "their limit"),
        (move_of_an_average, "our SGD sums them"),
        (move_one_term_too_many, "one term too many"),
        (move_without_lr, "the lr is missing"),
        (total_distance, "the total distance after t steps"),
        (move_as_a_float, "not a tensor")],
    4: [("a", "adds the new gradient"),
        ("c", "nothing is subtracted"),
        ("d", "computed afresh before each backward()")],
    5: [(floor_division, "drops the last, smaller batch"),
        (floor_plus_one, "when bs divides n"),
        (true_division, "a whole number"),
        (rounded_to_nearest, "round up, not to the nearest")],
    9: [(naive, "shift each row by its maximum first"),
        (shifted_by_the_batch_maximum, "the largest score of the whole batch"),
        (maximum_not_added_back, "add each row's maximum back"),
        (maximum_without_keepdim, "raised RuntimeError"),
        (row_by_row, "it uses a Python loop"),
        (with_torch_logsumexp, "torch.logsumexp is what the check compares with")],
    10: [(summed_over_images, "the loss is a mean over the images"),
         (truth_minus_probability, "the sign is the wrong way round"),
         (with_the_sigmoids_slope, "the sigmoid's slope"),
         (without_the_bias, "it leaves out the bias"),
         (scores_for_probabilities, "the scores where the probabilities belong"),
         (by_autograd, "asks for the gradient by hand")],
    11: [(784 * 128 + 128 * 64 + 64 * 10, "counts the weights only"),
         (784 * 128 + 128 * 64 + 64 * 10 + 784 + 128 + 64, "one bias per *output* unit"),
         (784 + 128 + 64 + 10, "that counts units, not parameters"),
         (784 * 128 * 64 * 10, "add up the layers' counts"),
         (109_386.5, "a whole number"),
         (109_376, "not the expected value yet"),
         ("109386", "not a number")],
    12: [(adam_without_bias_correction, "leaves out the bias correction"),
         (adam_with_eps_inside_the_root, "eps goes outside the square root"),
         (adam_with_running_sums, "not running sums"),
         (rmsprop_step, "steps along the latest gradient"),
         (adam_in_place, "changes its input (argument 1) in place"),
         (adam_counting_from_zero, "not finite")],
}
