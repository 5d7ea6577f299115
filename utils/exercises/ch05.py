"""Checkable exercises of chapter 5, "From a hand-written linear model to the fastai Learner".

In the chapter::

    from utils.exercises import ch05 as ex
    ex.q2.check(cross_entropy_gradient)   # or ex.q1.check() for a prediction
    ex.q2.hint()                          # ex.q2.hint(2) for the next one
    ex.q2.solution()

* q1: predict what ``sign_accuracy`` and ``evaluate`` report for a model whose every score is 0;
* q2: cross-entropy's gradient with respect to the logits, by hand (checked against autograd);
* q3: the derivatives of the sigmoid and of tanh, by hand (checked against autograd);
* q5: predict whether the two-layer net without its ReLU can beat the linear model;
* q6: the number of parameters of the 784-30-1 network, counted on paper (checked against ``nn``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from utils.exercises.base import Case, ChoiceExercise, FunctionExercise, ValueExercise

_BY_HAND = "this exercise asks for the formula worked out by hand; autograd is what the check compares it with"
_REFUSE_AUTOGRAD = [("backward", _BY_HAND), ("autograd", _BY_HAND), ("requires_grad", _BY_HAND)]

# ------------------------------------------------------------------------------ q1: a model that always says 0

q1 = ChoiceExercise(
    1,
    choices="abcd",
    correct_choice="b",
    explanations={
        "a": "a score of exactly 0 is not a coin toss: each rule decides every image the same way, so look at "
             "what each rule does with a score of 0, for a 3 and for a 7",
        "b": "a signed score of 0 is not positive, so sign_accuracy counts every image wrong; evaluate calls "
             "every image a 7 (0 is not above the threshold), so it is right on exactly the 7s.",
        "c": "evaluate says 3 only for a score above the threshold 0.0; a score of exactly 0 is not above it, "
             "so which digit does it call every image?",
        "d": "sign_accuracy counts an image right only when its signed score is positive, and flipping the sign "
             "of 0 gives 0 again: is a 7 with a score of 0 counted right?",
    },
    answer_name="zero_prediction",
    hints=["The signed score is the score for a 3 and minus the score for a 7. What is the signed score of "
           "every image when every score is 0, and does sign_accuracy count it as right?",
           "evaluate (with threshold=0.0) says 3 when the score is above 0, and 7 otherwise. Which digit does "
           "it call every image, and on which images is that right?"],
    why="A score of exactly 0 counts as wrong for both digits in sign_accuracy (its signed score is not "
        "positive), while evaluate's rule 'above 0 means 3' calls it a 7: the same scores give 0 and the share "
        "of 7s, 1,028 / 2,038, so a metric's treatment of ties is part of its definition.",
)

# ------------------------------------------------------------------------------ q2: cross-entropy's gradient


def cross_entropy_gradient(logits, labels):
    # d/dz_j of -z_y + log(sum_k exp(z_k)) is softmax(z)_j - [j = y], for every row
    return logits.softmax(dim=1) - F.one_hot(labels, logits.shape[1])


def _ce_gradient_by_autograd(logits, labels):
    z = logits.detach().clone().requires_grad_()
    (gradient,) = torch.autograd.grad(F.cross_entropy(z, labels, reduction="sum"), z)
    return gradient


def _q2_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(5)
    return [
        Case((torch.randn(6, 4, generator=gen), torch.tensor([0, 3, 1, 1, 2, 0])),
             "six images and four classes"),
        Case((torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([2])), "a single image (a batch of one)"),
        Case((torch.tensor([[-8.0, 0.0], [3.0, -2.0], [0.0, 0.0]]), torch.tensor([0, 1, 1])),
             "two classes, one image confidently wrong"),
    ]


def _q2_random() -> Case:
    n, k = int(torch.randint(2, 9, ())), int(torch.randint(2, 11, ()))
    return Case((3 * torch.randn(n, k), torch.randint(0, k, (n,))), "a random case")


q2 = FunctionExercise(
    2,
    solution=cross_entropy_gradient,
    expected_by=_ce_gradient_by_autograd,
    cases=_q2_cases,
    random_case=_q2_random,
    refuse=_REFUSE_AUTOGRAD,
    mistakes=[
        (lambda logits, labels: logits.softmax(dim=1),
         "that is the slope of the log-sum-exp part alone; the -z_y term adds its own slope at the true class"),
        (lambda logits, labels: F.one_hot(labels, logits.shape[1]) - logits.softmax(dim=1),
         "the sign is the wrong way round: raising a wrong class's logit raises the loss"),
        (lambda logits, labels: (logits.softmax(dim=1) - F.one_hot(labels, logits.shape[1])) / len(logits),
         "that is the gradient of the mean over the batch; the exercise asks for the summed loss "
         "(reduction=\"sum\"), whose gradient has one row per image, each as if it were alone"),
        (lambda logits, labels: logits.softmax(dim=0) - F.one_hot(labels, logits.shape[1]),
         "the softmax runs over the wrong axis: each image's probabilities must add up to 1 over its classes"),
        (lambda logits, labels: logits.sigmoid() - F.one_hot(labels, logits.shape[1]),
         "it uses the sigmoid of each logit on its own; cross-entropy's probabilities come from the softmax of "
         "the whole row"),
    ],
    hints=["Write the loss of one image as -z_y + log(sum_k exp(z_k)) and differentiate with respect to one "
           "logit z_j: the first term only matters when j = y.",
           "The slope of log(sum_k exp(z_k)) with respect to z_j is exp(z_j) / sum_k exp(z_k), the softmax. "
           "So the answer is logits.softmax(dim=1) minus a one-hot row per image: F.one_hot(labels, n_classes)."],
    why="Each image's loss is -z_y + log(sum_k exp(z_k)); its slope is softmax(z)_j from the second term, "
        "minus 1 at the true class from the first. The sum over images gives each row its own image's slope, "
        "and for a confidently wrong image the true class's entry stays near -1.",
)

# ------------------------------------------------------------------------------ q3: sigmoid' and tanh'


def activation_slopes(x):
    s, t = torch.sigmoid(x), torch.tanh(x)
    return torch.stack([s * (1 - s), 1 - t**2])  # row 0: sigmoid'(x), row 1: tanh'(x)


def _slopes_by_autograd(x):
    rows = []
    for f in (torch.sigmoid, torch.tanh):
        z = x.detach().clone().requires_grad_()
        (slope,) = torch.autograd.grad(f(z).sum(), z)
        rows.append(slope)
    return torch.stack(rows)


def _q3_cases() -> list[Case]:
    return [
        Case((torch.tensor([-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0]),), "seven inputs from -6 to 6"),
        Case((torch.tensor([0.0]),), "a single input, 0 (a batch of one)"),
        Case((torch.tensor([-10.0, -1.0, 1.5, 3.0]),), "large and small inputs, negative and positive"),
    ]


def _q3_random() -> Case:
    return Case((3 * torch.randn(9),), "a random case")


def _sigmoid_of_the_input_forgotten(x):
    t = torch.tanh(x)
    return torch.stack([x * (1 - x), 1 - t**2])


def _tanh_square_forgotten(x):
    s = torch.sigmoid(x)
    return torch.stack([s * (1 - s), 1 - torch.tanh(x)])


q3 = FunctionExercise(
    3,
    solution=activation_slopes,
    expected_by=_slopes_by_autograd,
    cases=_q3_cases,
    random_case=_q3_random,
    refuse=_REFUSE_AUTOGRAD,
    mistakes=[
        (_sigmoid_of_the_input_forgotten,
         "the sigmoid's slope is sigma(x) * (1 - sigma(x)), with the sigmoid applied to x first, not x * (1 - x)"),
        (_tanh_square_forgotten, "tanh's slope uses the square of tanh(x)"),
        (lambda x: activation_slopes(x).flip(0), "the rows are swapped: row 0 is the sigmoid's, row 1 tanh's"),
        (lambda x: torch.stack([torch.sigmoid(x) * (1 - torch.sigmoid(x)),
                                2 * torch.sigmoid(2 * x) * (1 - torch.sigmoid(2 * x))]),
         "tanh(x) = 2 sigma(2x) - 1 is right, but the chain rule gives the inner 2 a factor too: the slope of "
         "sigma(2x) is 2 sigma'(2x)"),
    ],
    hints=["Write sigma(x) = 1 / (1 + exp(-x)) and differentiate; then express exp(-x) / (1 + exp(-x)) in terms "
           "of sigma(x). For tanh, use tanh(x) = 2 sigma(2x) - 1, or differentiate sinh / cosh.",
           "sigma'(x) = sigma(x) * (1 - sigma(x)) and tanh'(x) = 1 - tanh(x)**2: compute torch.sigmoid(x) and "
           "torch.tanh(x) once and return torch.stack([row for the sigmoid, row for tanh])."],
    why="sigma' = exp(-x) / (1 + exp(-x))**2 = sigma * (1 - sigma), largest (0.25) where sigma = 1/2, at x = 0; "
        "tanh = 2 sigma(2x) - 1 gives tanh' = 4 sigma'(2x) = 1 - tanh**2, largest (1) at 0. For a large |x| both "
        "outputs sit near their limits, so the slopes, and every gradient passed back through the unit, are "
        "nearly 0.",
)

# ------------------------------------------------------------------------------ q5: a net without its ReLU

q5 = ChoiceExercise(
    5,
    choices="abc",
    correct_choice="b",
    explanations={
        "a": "more numbers do not mean more functions: multiply out (x W1 + b1) W2 + b2 and look at what kind "
             "of function of x it is",
        "b": "without the ReLU, (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2): one weighted sum of the pixels "
             "plus a bias, the linear model's family, written with more numbers.",
        "c": "a net without activations still has gradients for every weight and trains; the question is what "
             "it can represent once trained",
    },
    answer_name="no_relu_prediction",
    hints=["Write the network without the ReLU as a formula: (x W1 + b1) W2 + b2. Multiply it out.",
           "x (W1 W2) + (b1 W2 + b2) is a weighted sum of the pixels plus a constant. Which model of the chapter "
           "computes exactly such functions?"],
    why="Two linear layers compose into one: x (W1 W2) + (b1 W2 + b2). The net without its ReLU computes the "
        "same family of functions as nn.Linear(784, 1), so after training it can at best match the linear "
        "model; the ReLU between the layers is what adds anything new.",
)

# ------------------------------------------------------------------------------ q6: counting parameters


def _parameters_of_the_net() -> int:
    net = torch.nn.Sequential(torch.nn.Linear(28 * 28, 30), torch.nn.ReLU(), torch.nn.Linear(30, 1))
    return sum(p.numel() for p in net.parameters())


def _is(value: int) -> Callable[[Any, Any], bool]:
    def test(answer: Any, expected: Any) -> bool:
        try:
            return float(answer) == value
        except (TypeError, ValueError, RuntimeError):
            return False
    return test


_PIXELS, _HIDDEN = 28 * 28, 30

q6 = ValueExercise(
    6,
    expected=_parameters_of_the_net,
    checks=[
        (_is(_PIXELS * _HIDDEN + _HIDDEN),
         "that counts either only the weights of both layers, or only the first layer with its biases: each "
         "layer has a weight per (input, output) pair and a bias per output"),
        (_is(_PIXELS * _HIDDEN + _HIDDEN + _HIDDEN), "one short: the output layer has a bias too"),
        (_is(_PIXELS * _HIDDEN + _HIDDEN + 1), "the output layer has a weight for each of its 30 inputs too"),
        (_is(_PIXELS + 1), "that is the linear model's count; the net has two layers"),
        (_is(_PIXELS * _HIDDEN), "that is the first layer's weights alone"),
    ],
    answer_name="n_params",
    hints=["A linear layer from n inputs to m outputs has an n x m weight matrix and m biases. The net has two "
           "such layers: 784 -> 30 and 30 -> 1 (the ReLU has no parameters).",
           "784 * 30 + 30 for the first layer, then the second layer's weights and bias: 30 * 1 + 1."],
    solution="n_params = 28 * 28 * 30 + 30 + 30 * 1 + 1  # layer 1: weights and biases; layer 2: the same",
    why="The first layer has a 784 x 30 weight matrix and 30 biases, the second 30 weights and 1 bias; the ReLU "
        "has none. The activations (30 features per image) are not parameters: they are computed afresh for "
        "every image.",
)
