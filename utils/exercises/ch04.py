"""Checkable exercises of chapter 4, "Stochastic gradient descent, on quadratics".

In the chapter::

    from utils.exercises import ch04 as ex
    ex.q8.check(mae_gradient)   # or ex.q3.check(prediction) for a prediction
    ex.q8.hint()                # ex.q8.hint(2) for the next one
    ex.q8.solution()

* q2: the MAE's slope with respect to the bias c when the curve lies above every dot (a value by hand, checked
  against autograd);
* q3, q4: predict what the training loop does without ``grad.zero_()``, and without ``torch.no_grad()``;
* q7: predict whether a learning rate diverges on uncentred inputs;
* q8: the MAE's gradient of the quadratic, by hand (checked against autograd);
* q9: one gradient step of the one-parameter model, from the derivative by hand (checked against autograd);
* q11: one mini-batch SGD step.

The functions ``quadratic``, ``mean_abs_error`` and ``mean_sq_error`` are the chapter's own, repeated here so
that the reference solutions read as a learner's would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from utils.exercises.base import (
    Case,
    ChoiceExercise,
    FunctionExercise,
    ValueExercise,
)

# ------------------------------------------------------------------------------ the chapter's definitions


def quadratic(x, params):
    a, b, c = params
    return a * x**2 + b * x + c


def mean_abs_error(pred, target):
    return (pred - target).abs().mean()


def mean_sq_error(pred, target):
    return ((pred - target) ** 2).mean()


def _ball_photo() -> tuple[torch.Tensor, torch.Tensor]:
    """The chapter's photo: 21 positions and the heights read off them (true path -0.6, 0.2, 3; seed 13)."""
    x = torch.linspace(-2, 2, 21)
    gen = torch.Generator().manual_seed(13)
    return x, quadratic(x, torch.tensor([-0.6, 0.2, 3.0])) + 0.2 * torch.randn(21, generator=gen)


def _braking_car() -> tuple[torch.Tensor, torch.Tensor]:
    """The chapter's car: 60 times in seconds from the middle of the clip, and the positions read (seed 3)."""
    frame = torch.arange(60.0)
    clock = frame / 25
    gen = torch.Generator().manual_seed(3)
    position = 3 + 18 * clock - 3.5 * clock**2 + 0.3 * torch.randn(60, generator=gen)
    return (frame - 29.5) / 25, position


# ------------------------------------------------------------------------------ a function exercise that
# knows the usual wrong formulas, and may compute its expected values another way than the solution it shows


def _number(answer: Any) -> float | None:
    try:
        value = float(answer)
    except (TypeError, ValueError, RuntimeError):
        return None
    return value


def _is_about(target: float) -> Callable[[Any, Any], bool]:
    def test(answer: Any, expected: Any) -> bool:
        value, wrong = _number(answer), target * float(expected)
        return value is not None and abs(value - wrong) < 1e-4 * max(1.0, abs(wrong))
    return test


def _is_other_number(answer: Any, expected: Any) -> bool:
    value = _number(answer)
    return value is not None and abs(value - float(expected)) > 1e-5 + 1e-4 * abs(float(expected))


# ------------------------------------------------------------------------------ q2: the slope for c, by hand


def _slope_for_c_high_above() -> float:
    """d MAE / dc at a = b = 0, c = 100 on the chapter's photo, with autograd."""
    x, y = _ball_photo()
    params = torch.tensor([0.0, 0.0, 100.0]).requires_grad_()
    mean_abs_error(quadratic(x, params), y).backward()
    return params.grad[2].item()


q2 = ValueExercise(
    2,
    expected=_slope_for_c_high_above,
    checks=[
        (_is_about(-1.0), "the sign is the wrong way round: with the curve above every dot, raising c makes "
                          "every miss larger, so the loss goes up with c"),
        (_is_about(21.0), "that is the sum of the 21 dots' pulls; the MAE is a mean, so its slope is too"),
        (_is_about(1 / 21), "that is one dot's share of the slope; add the shares of all 21 dots"),
        (_is_about(0.0), "a slope of zero needs as many dots pulling one way as the other; with the curve above "
                         "every dot, which way do they all pull?"),
        (_is_other_number, "that is not the slope yet: count the dots above the curve and below it, and "
                           "remember that the MAE is a mean"),
    ],
    hints=["Moving c by a small amount d moves every prediction by d. With the curve above a dot, what does "
           "that do to that dot's miss |pred - y|?",
           "Each dot adds +1 (curve above it) or -1 (curve below it) to the sum, and the MAE divides the sum "
           "by the number of dots. How many dots lie below a curve at height 100 m?"],
    solution="slope_c = 21 / 21  # every one of the 21 dots adds +1, and the mean divides by 21",
    why="Raising c by d raises every prediction by d; with the curve above every dot, every miss grows by d, "
        "so the mean miss grows by d too: the slope is +1, 'lower c' at full strength.",
)

# ------------------------------------------------------------------------------ q3: a loop that forgets to zero

q3 = ChoiceExercise(
    3,
    choices="abcd",
    correct_choice="b",
    explanations={
        "a": "backward() adds each new gradient to what .grad already holds, so without zeroing the steps "
             "are not the same as before",
        "b": "params.grad becomes the sum of all slopes so far: the steps grow while the slopes agree, "
             "overshoot, and are pulled back, like a ball rolling in a bowl without friction.",
        "c": "the summed gradient does grow while the slopes agree, but once the parameters overshoot, the new "
             "slopes point back and cancel part of the sum; run it and look at the largest loss",
        "d": "nothing makes the summed gradient vanish: every backward() adds a new slope to it, and the slope "
             "for c is never zero (it is an odd number over 21)",
    },
    answer_name="prediction",
    hints=["Read the last sentence of 'Training: the step, in a loop': what does backward() do with the "
           "gradient .grad already holds?",
           "Without zeroing, the step uses the sum of every gradient so far. While the slopes point the same "
           "way the sum grows; what happens once the parameters pass the bottom?"],
    why="Without zeroing, .grad holds the sum of all gradients so far: the steps build up while the slopes "
        "agree and carry the parameters past the bottom, then the slopes on the other side build up the other "
        "way, so the loss swings instead of settling.",
)

# ------------------------------------------------------------------------------ q4: an update without no_grad

q4 = ChoiceExercise(
    4,
    choices="abcd",
    correct_choice="c",
    explanations={
        "a": "without no_grad, autograd records the update, and the new params is the result of a "
             "computation, no longer the tensor we created: PyTorch treats it differently",
        "b": "that is what the in-place form `params -= lr * params.grad` does; `params - lr * params.grad` "
             "makes a new tensor, which PyTorch allows",
        "c": "the new params is computed from the old one, so it is not a leaf: PyTorch fills .grad only for "
             "leaves, and params.grad is None.",
        "d": "autograd would record every update, but the loop never gets that far",
    },
    answer_name="prediction",
    hints=["`params - lr * params.grad` computes a new tensor. While autograd records, is the result a tensor "
           "we created (a leaf) or one computed from others?",
           "PyTorch fills .grad only for leaf tensors. What is params.grad right after the update, and what "
           "does the loop's next line do with it?"],
    why="Without no_grad the new params is computed from the old one while autograd records, so it is not a "
        "leaf, its .grad is None, and the very next line, params.grad.zero_(), fails with an AttributeError.",
)

# ------------------------------------------------------------------------------ q7: will this rate diverge?

q7 = ChoiceExercise(
    7,
    choices="abc",
    correct_choice="c",
    explanations={
        "a": "clock is not centred: it runs from 0 to 2.4 s, so t**2 and t**4 are larger than with centred "
             "seconds; compute 2 * mean(clock**4), the curvature along a alone, and compare lr times it with 2",
        "b": "a rate that is merely too small for a flat direction trains slowly; first compare lr times the "
             "largest curvature with 2 (2 * mean(clock**4) is a lower bound for it)",
        "c": "along a alone the curvature is 2 * mean(clock**4), well above 4, and the largest curvature is at "
             "least that: 0.5 times it is above 2, so every step lands farther away.",
    },
    answer_name="prediction",
    hints=["A rate is stable only if lr times the largest curvature stays below 2. The largest curvature is at "
           "least the curvature along a alone, 2 * mean(t**4).",
           "clock runs from 0 to 2.36 s, so t**4 goes up to 2.36**4, about 31; even its mean is above 2. Is "
           "0.5 times 2 * mean(t**4) above or below 2?"],
    why="Scaling frame numbers to seconds shrinks the largest curvature enormously, but with times from 0 to "
        "2.4 s, t**4 still averages more than 4, so the limit 2 / k_max is below 0.25: a rate of 0.5 diverges.",
)

# ------------------------------------------------------------------------------ q8: the MAE's gradient by hand


def mae_gradient(x, y, params):
    a, b, c = params
    side = torch.sign(a * x**2 + b * x + c - y)            # +1 where the curve is above the dot, -1 below
    moves = torch.stack([x**2, x, torch.ones_like(x)])     # how far each prediction moves per unit of a, b, c
    return (side * moves).mean(dim=1)                      # one mean over the dots per parameter


def _mae_gradient_by_autograd(x, y, params):
    params = params.clone().requires_grad_()
    mean_abs_error(quadratic(x, params), y).backward()
    return params.grad


def _q8_cases() -> list[Case]:
    x, y = _ball_photo()
    return [
        Case((x, y, torch.tensor([0.0, 0.0, 2.0])), "the ball's photo at the flat guess at 2 m"),
        Case((torch.tensor([1.5]), torch.tensor([-0.7]), torch.tensor([0.3, -1.0, 0.2])),
             "a single dot (a batch of one)"),
        Case((torch.tensor([-3.0, -0.5, 0.25, 2.0, 4.0]), torch.tensor([-1.0, 2.0, -0.5, 3.0, -4.0]),
              torch.tensor([-0.5, 1.0, -0.25])), "five unevenly spaced dots with negative positions and heights"),
    ]


def _q8_random() -> Case:
    x = 2 * torch.randn(7)
    return Case((x, torch.randn(7), torch.randn(3)), "a random case")


def _summed(x, y, params):
    return mae_gradient(x, y, params) * len(x)


def _weighted_by_miss(x, y, params):
    a, b, c = params
    miss = a * x**2 + b * x + c - y
    return (miss * torch.stack([x**2, x, torch.ones_like(x)])).mean(dim=1)


def _reversed_order(x, y, params):
    return mae_gradient(x, y, params).flip(0)


def _sign_reversed(x, y, params):
    return -mae_gradient(x, y, params)


q8 = FunctionExercise(
    8,
    solution=mae_gradient,
    expected_by=_mae_gradient_by_autograd,
    cases=_q8_cases,
    random_case=_q8_random,
    mistakes=[
        (_summed, "it adds the dots' pulls; the MAE is a mean over the dots, so its slopes are means too"),
        (_sign_reversed, "the sign is the wrong way round: a miss pred - y grows with pred where the curve is "
                         "above the dot, so the slope of |pred - y| there is +1"),
        (_weighted_by_miss, "it weighs each dot by its miss, as the squared error would (without its 2); with "
                            "the MAE only the side of the miss counts, through its sign"),
        (_reversed_order, "the three slopes are in the order c, b, a; return them as (a, b, c), like params"),
    ],
    refuse=[("backward", "this exercise asks for the slopes by hand; autograd is what the check compares "
                         "them with")],
    hints=["Work on one dot first: its miss is pred - y, and the slope of |m| with respect to m is sign(m). "
           "By how much does pred move per unit of a, of b, of c?",
           "Per unit of a, b and c the prediction moves by x**2, x and 1. So each dot adds "
           "sign(pred - y) * (x**2, x, 1), and the MAE takes the mean over the dots: torch.sign, torch.stack "
           "and .mean(dim=...)."],
    why="|pred - y| grows with pred at rate sign(pred - y), and pred grows with (a, b, c) at rates (x**2, x, 1), "
        "so each dot pulls with sign(pred - y) * (x**2, x, 1) and the MAE averages the pulls: how far a dot is "
        "from the curve never enters, only its side.",
)

# ------------------------------------------------------------------------------ q9: one step of the constant model


def one_step(c, y, lr):
    # L(c) = mean((c - y)**2), so dL/dc = 2 * mean(c - y) = 2 * (c - y.mean())
    return c - lr * 2 * (c - y.mean())


def _one_step_by_autograd(c, y, lr):
    c = torch.as_tensor(c, dtype=torch.float32).clone().requires_grad_()
    mean_sq_error(c, y).backward()
    return (c - lr * c.grad).detach()


def _q9_cases() -> list[Case]:
    _, heights = _ball_photo()
    rates = torch.tensor([0.1, 0.5, 0.9, 1.1])
    return [
        Case((0.0, heights, rates), "c = 0 on the ball's heights, four rates"),
        Case((torch.tensor(3.0), torch.tensor([1.25]), rates), "a single height (a batch of one)"),
        Case((-2.0, torch.tensor([-1.0, 0.5, -3.0, 2.5]), torch.tensor([0.25, 1.5])),
             "negative values, two rates"),
    ]


def _q9_random() -> Case:
    return Case((float(torch.randn(())), torch.randn(9), torch.rand(5) * 1.5), "a random case")


q9 = FunctionExercise(
    9,
    solution=one_step,
    expected_by=_one_step_by_autograd,
    cases=_q9_cases,
    random_case=_q9_random,
    mistakes=[
        (lambda c, y, lr: c - lr * (c - y.mean()),
         "the slope of (c - y)**2 is 2 * (c - y): the 2 is missing"),
        (lambda c, y, lr: c + lr * 2 * (c - y.mean()),
         "it steps uphill: a gradient step moves against the slope, c - lr * dL/dc"),
        (lambda c, y, lr: c - lr * 2 * (c - y).sum(),
         "it uses the slope of the sum of the squared misses; the loss is their mean"),
        (lambda c, y, lr: (1 - 2 * lr) * (c - y.mean()),
         "it returns the distance c - mean(y) after the step; return c itself"),
    ],
    refuse=[("backward", "this exercise asks for the derivative by hand; autograd is what the check compares "
                         "it with")],
    hints=["Write L(c) = mean((c - y)**2) and differentiate one term: the slope of (c - y_i)**2 with respect "
           "to c is 2 * (c - y_i). The mean of those is the slope of L.",
           "The mean of 2 * (c - y_i) is 2 * (c - y.mean()), and a step is c - lr * slope; with lr a tensor of "
           "rates the same expression gives one new c per rate."],
    why="dL/dc = 2 * (c - mean(y)), so a step gives c - 2 * lr * (c - mean(y)): the distance to the mean is "
        "multiplied by (1 - 2 * lr), which shrinks it exactly when 0 < lr < 1 (the curvature is 2, and the limit "
        "2 / 2 = 1) and lands on the mean in one step at lr = 0.5.",
)

# ------------------------------------------------------------------------------ q11: one mini-batch SGD step


def minibatch_step(params, inputs, targets, rows, lr):
    params = params.clone().requires_grad_()  # a copy: the caller's params stay as they are
    mean_sq_error(quadratic(inputs[rows], params), targets[rows]).backward()
    return (params - lr * params.grad).detach()


def _q11_cases() -> list[Case]:
    times, position = _braking_car()
    rows = torch.randperm(60, generator=torch.Generator().manual_seed(0))[:15]
    return [
        Case((torch.zeros(3), times, position, rows, 0.5), "the car at the all-zero start, 15 frames"),
        Case((torch.tensor([-3.0, 9.0, 15.0]), times, position, torch.tensor([7]), 0.1),
             "a batch of one frame"),
        Case((torch.tensor([1.0, -2.0, 0.5]), torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5]),
              torch.tensor([2.0, -1.0, 0.0, 3.0, -2.0, 1.0]), torch.tensor([5, 0, 2]), 0.25),
         "six points, rows not in order"),
    ]


def _q11_random() -> Case:
    inputs = torch.randn(20)
    return Case((torch.randn(3), inputs, torch.randn(20), torch.randperm(20)[:5], 0.1), "a random case")


def _every_row(params, inputs, targets, rows, lr):
    return minibatch_step(params, inputs, targets, torch.arange(len(inputs)), lr)


def _uphill(params, inputs, targets, rows, lr):
    return 2 * params - minibatch_step(params, inputs, targets, rows, lr)


def _with_the_mae(params, inputs, targets, rows, lr):
    params = params.clone().requires_grad_()
    mean_abs_error(quadratic(inputs[rows], params), targets[rows]).backward()
    return (params - lr * params.grad).detach()


q11 = FunctionExercise(
    11,
    solution=minibatch_step,
    cases=_q11_cases,
    random_case=_q11_random,
    mistakes=[
        (_every_row, "it computes the gradient on every row; a mini-batch step uses the rows in `rows` only"),
        (_uphill, "it steps uphill: the step moves against the gradient, params - lr * grad"),
        (_with_the_mae, "it uses the mean absolute error; the car is fitted with the mean squared error"),
    ],
    hints=["A step is: a copy of params that requires gradients, the loss on the chosen rows, backward(), and "
           "a new tensor params - lr * grad. Index both inputs and targets with rows.",
           "params = params.clone().requires_grad_(); mean_sq_error(quadratic(inputs[rows], params), "
           "targets[rows]).backward(); then return (params - lr * params.grad).detach()."],
    why="A mini-batch step is a gradient step whose loss is computed on a few rows; copying params first "
        "(clone) leaves the caller's tensor as it was, and detach() returns plain numbers for the next step.",
)
