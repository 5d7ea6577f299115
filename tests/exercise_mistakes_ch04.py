"""Typical wrong answers to chapter 4's checkable exercises, and a fragment of the message each must get
(tests/test_exercises.py asserts that each fails with it)."""

from __future__ import annotations

import torch

from utils.exercises.ch04 import mean_abs_error, mean_sq_error, quadratic

# q8: the MAE's gradient by hand


def gradient_summed(x, y, params):
    a, b, c = params
    side = torch.sign(a * x**2 + b * x + c - y)
    return (side * torch.stack([x**2, x, torch.ones_like(x)])).sum(dim=1)


def gradient_sign_reversed(x, y, params):
    side = torch.sign(y - quadratic(x, params))
    return (side * torch.stack([x**2, x, torch.ones_like(x)])).mean(dim=1)


def gradient_weighted_by_miss(x, y, params):
    miss = quadratic(x, params) - y
    return (miss * torch.stack([x**2, x, torch.ones_like(x)])).mean(dim=1)


def gradient_in_order_c_b_a(x, y, params):
    side = torch.sign(quadratic(x, params) - y)
    return (side * torch.stack([torch.ones_like(x), x, x**2])).mean(dim=1)


def gradient_by_autograd(x, y, params):
    params = params.clone().requires_grad_()
    mean_abs_error(quadratic(x, params), y).backward()
    return params.grad


def gradient_without_the_square(x, y, params):
    side = torch.sign(quadratic(x, params) - y)
    return (side * torch.stack([x, x, torch.ones_like(x)])).mean(dim=1)


# q9: one step of the constant model, by hand


def step_without_the_2(c, y, lr):
    return c - lr * (c - y.mean())


def step_uphill(c, y, lr):
    return c + lr * 2 * (c - y.mean())


def step_with_the_sum(c, y, lr):
    return c - lr * 2 * (c - y).sum()


def step_returns_the_distance(c, y, lr):
    return (1 - 2 * lr) * (c - y.mean())


# q11: one mini-batch step


def step_on_every_row(params, inputs, targets, rows, lr):
    params = params.clone().requires_grad_()
    mean_sq_error(quadratic(inputs, params), targets).backward()
    return (params - lr * params.grad).detach()


def step_in_place(params, inputs, targets, rows, lr):
    params.requires_grad_()
    mean_sq_error(quadratic(inputs[rows], params), targets[rows]).backward()
    with torch.no_grad():
        params -= lr * params.grad
    return params


def step_going_uphill(params, inputs, targets, rows, lr):
    params = params.clone().requires_grad_()
    mean_sq_error(quadratic(inputs[rows], params), targets[rows]).backward()
    return (params + lr * params.grad).detach()


def step_with_rows_of_the_inputs_only(params, inputs, targets, rows, lr):
    params = params.clone().requires_grad_()
    mean_sq_error(quadratic(inputs[rows], params), targets).backward()
    return (params - lr * params.grad).detach()


def step_with_the_mae(params, inputs, targets, rows, lr):
    params = params.clone().requires_grad_()
    mean_abs_error(quadratic(inputs[rows], params), targets[rows]).backward()
    return (params - lr * params.grad).detach()


MISTAKES = {
    2: [(-1.0, "the sign is the wrong way round"),
        (21.0, "the MAE is a mean"),
        (1 / 21, "one dot's share"),
        (0.0, "as many dots pulling one way as the other"),
        (2.0, "not the slope yet")],
    3: [("a", "adds each new gradient"),
        ("c", "new slopes point back"),
        ("d", "never zero"),
        ("e", "answer with one of")],
    4: [("a", "no longer the tensor we created"),
        ("b", "in-place form"),
        ("d", "never gets that far")],
    7: [("a", "clock is not centred"),
        ("b", "trains slowly")],
    8: [(gradient_summed, "the MAE is a mean over the dots"),
        (gradient_sign_reversed, "the sign is the wrong way round"),
        (gradient_weighted_by_miss, "as the squared error would"),
        (gradient_in_order_c_b_a, "return them as (a, b, c)"),
        (gradient_by_autograd, "asks for the slopes by hand"),
        (gradient_without_the_square, "its values are not the expected ones")],
    9: [(step_without_the_2, "the 2 is missing"),
        (step_uphill, "it steps uphill"),
        (step_with_the_sum, "the loss is their mean"),
        (step_returns_the_distance, "return c itself")],
    11: [(step_on_every_row, "uses the rows in `rows` only"),
         (step_in_place, "changes its input (argument 1) in place"),
         (step_going_uphill, "it steps uphill"),
         (step_with_rows_of_the_inputs_only, "raised RuntimeError"),
         (step_with_the_mae, "mean squared error")],
}
