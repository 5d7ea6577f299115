"""Chapter 6, Hand-written modules, training loops and optimizers: the checkable exercises
(``from utils.exercises import ch06 as ex``).

* ``q1``: what the naive and the shifted log-softmax give for a row of very negative scores (a prediction: the
  letter ``prediction``).
* ``q2``: how far step t of SGD with momentum moves a weight that sees a constant gradient (a formula as a
  function of tensors of step numbers), checked against ``torch.optim.SGD``.
* ``q4``: what ``.grad`` holds after the loss of one batch is backpropagated twice (a prediction).
* ``q5``: the number of batches ``Batches`` cuts n images into (a formula on whole numbers).
* ``q9``: log-sum-exp along each row that stays finite for scores in the thousands (a function, tensor
  operations), checked against ``torch.logsumexp``.
* ``q10``: the gradient of binary logistic regression's mean cross-entropy with respect to its weights, by hand
  (a function), checked against autograd.
* ``q11``: the number of parameters of a 784-128-64-10 network (a value), counted by PyTorch.
* ``q12``: Adam, with its bias correction, as a function of a parameter and its gradients (a function), checked
  against ``torch.optim.Adam``.

Where an answer is a mistake learners often make (a sum where the loss takes a mean, an average where our SGD
sums, Adam without its bias correction, the sigmoid's slope kept in the gradient), the check names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from utils.exercises.base import Case, ChoiceExercise, FunctionExercise, ValueExercise

# ------------------------------------------------------------------------------------------------ 1

q1 = ChoiceExercise(
    1, choices="abcd", correct_choice="b", answer_name="prediction",
    explanations={
        "a": "log_softmax shifts the row by its maximum first, but naive_log_softmax does not: it computes "
             "exp(-1000) itself, which no 32-bit float can hold",
        "b": "exp(-1000) underflows to 0, so the naive form divides 0 by 0 (nan); the shifted form computes "
             "exp(0) = 1 for both scores and gives log(1/2) twice.",
        "c": "exp(-1000) does round to 0, but the naive form then divides that 0 by a sum of zeros before it "
             "takes the logarithm: 0 / 0 is not 0",
        "d": "log_softmax subtracts the row's maximum, -1000, from both scores first: what is left is two "
             "zeros, and nothing underflows",
    },
    hints=["In float32, exp(x) rounds to 0 below about -104. What is exp(-1000), and what is 0 / 0?",
           "log_softmax first subtracts each row's maximum. What are the shifted scores, and what is the "
           "softmax of two equal scores?"],
    why="Both scores underflow in exp, so the naive form computes 0 / 0 = nan before its log; after the shift "
        "the scores are 0 and 0, the softmax of two equal scores is 1/2 each, and its log is about -0.6931.")

# ------------------------------------------------------------------------------------------------ 2


def momentum_move(t, lr, g, mu):
    # v_t = g * (1 + mu + ... + mu**(t-1)), a geometric sum, and step t moves the weight by lr * v_t
    return lr * g * (1 - mu**t) / (1 - mu)


def _moves_by_torch(t, lr, g, mu):
    """Step t's move, p_{t-1} - p_t, for every t in ``t``: torch.optim.SGD on one weight with a constant
    gradient g."""
    weight = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([weight], lr=lr, momentum=mu)
    moves = []
    for _ in range(int(t.max())):
        before = weight.item()
        weight.grad = torch.full_like(weight, g)
        opt.step()
        moves.append(before - weight.item())
    return torch.tensor(moves, dtype=torch.float64)[t - 1]


def _q2_cases() -> list[Case]:
    return [
        Case((torch.tensor([1, 2, 10, 60]), 0.05, 2.0, 0.9), "the chapter's weight (g = 2, lr 0.05, mu 0.9)"),
        Case((torch.tensor([1]), 0.1, -3.0, 0.5), "the first step alone, with a negative gradient"),
        Case((torch.tensor([1, 5, 200]), 0.01, 1.5, 0.99), "momentum 0.99, up to step 200"),
        Case((torch.tensor([1, 2, 3]), 0.2, 0.5, 0.0), "no momentum (mu = 0)"),
    ]


def _q2_random() -> Case:
    t = torch.randint(1, 50, (4,))
    return Case((t, 0.1 * float(torch.rand(())), float(torch.randn(())), 0.9 * float(torch.rand(()))),
                "a random case")


q2 = FunctionExercise(
    2, solution=momentum_move, expected_by=_moves_by_torch, cases=_q2_cases, random_case=_q2_random,
    mistakes=[
        (lambda t, lr, g, mu: lr * g / (1 - mu) * torch.ones(len(t)),
         "that is where the steps are heading (their limit); step t has not got there yet, and the first step "
         "moves by only lr * g"),
        (lambda t, lr, g, mu: lr * g * (1 - mu**t),
         "that is what an average of the gradients would give (v <- mu * v + (1 - mu) * g, like Adam's m); "
         "our SGD sums them: v <- mu * v + g"),
        (lambda t, lr, g, mu: lr * g * (1 - mu ** (t + 1)) / (1 - mu),
         "one term too many: after step 1 the velocity holds exactly one gradient"),
        (lambda t, lr, g, mu: lr * g * (1 - mu ** (t - 1)) / (1 - mu),
         "one term too few: after step 1 the velocity already holds one gradient, so step 1 moves by lr * g"),
        (lambda t, lr, g, mu: g * (1 - mu**t) / (1 - mu),
         "the lr is missing: the weight moves by lr times the velocity"),
        (lambda t, lr, g, mu: lr * g * (t - mu * (1 - mu**t) / (1 - mu)) / (1 - mu),
         "that is the total distance after t steps; the exercise asks how far step t alone moves the weight"),
    ],
    hints=["Write out v_1, v_2 and v_3 from v_t = mu * v_(t-1) + g with v_0 = 0. Which sum appears?",
           "v_t = g * (1 + mu + mu**2 + ... + mu**(t-1)), a geometric sum: (1 - mu**t) / (1 - mu). The move is "
           "lr times v_t; mu**t works on a whole tensor of step numbers t at once."],
    why="With a constant gradient the velocity is a geometric sum, v_t = g (1 - mu^t) / (1 - mu), so step t "
        "moves the weight by lr times that: lr * g at the first step, growing towards lr * g / (1 - mu), ten "
        "times lr * g at mu = 0.9 (and plain gradient descent's lr * g at mu = 0).")

# ------------------------------------------------------------------------------------------------ 4

q4 = ChoiceExercise(
    4, choices="abcd", correct_choice="b", answer_name="prediction",
    explanations={
        "a": "backward() does not replace what .grad holds: it adds the new gradient to it",
        "b": "backward() adds into .grad, and the second pass computes the same gradient as the first, so "
             ".grad holds it twice.",
        "c": "nothing is subtracted: each backward() adds the gradient it computed to .grad",
        "d": "backward() cannot run twice through the same recorded graph, but here the loss is computed "
             "afresh before each backward(): two graphs, each used once",
    },
    hints=["Chapter 5's train_epoch calls opt.zero_grad() after every step. What would be left in .grad "
           "without it?",
           "backward() *adds* each gradient it computes to what .grad already holds. The same batch and the same "
           "weights give the same gradient twice."],
    why="backward() accumulates: it adds the gradient it computes to .grad, so two passes over the same batch "
        "leave twice the gradient. Without zero_grad, every step would use the sum of all gradients so far.")

# ------------------------------------------------------------------------------------------------ 5


def n_batches(n, bs):
    return (n + bs - 1) // bs  # round up: the last batch takes what is left


def _batches_by_split(n, bs):
    return len(torch.arange(n).split(bs))


def _q5_cases() -> list[Case]:
    return [Case((50_000, 256), "50,000 images in batches of 256"),
            Case((50_000, 1000), "50,000 images in batches of 1,000"),
            Case((1, 256), "a single image"),
            Case((256, 256), "exactly one full batch"),
            Case((257, 256), "one image more than a batch"),
            Case((900, 256), "900 images in batches of 256")]


def _q5_random() -> Case:
    return Case((int(torch.randint(1, 5000, ())), int(torch.randint(1, 600, ()))), "a random case")


q5 = FunctionExercise(
    5, solution=n_batches, expected_by=_batches_by_split, cases=_q5_cases, random_case=_q5_random,
    mistakes=[
        (lambda n, bs: n // bs, "it drops the last, smaller batch; Batches keeps it (every image is seen once "
                                "per epoch)"),
        (lambda n, bs: n // bs + 1, "when bs divides n there is no smaller batch left over: round up, rather "
                                    "than adding one"),
        (lambda n, bs: n / bs, "a number of batches is a whole number: round n / bs up"),
        (lambda n, bs: round(n / bs), "round up, not to the nearest whole number: the images left over make a "
                                      "batch of their own"),
    ],
    hints=["Batches cuts its (shuffled) indices into slices idx[start:start + bs] for start = 0, bs, 2 * bs, "
           "... up to n. How many starts are there?",
           "n / bs rounded *up*: in whole numbers, (n + bs - 1) // bs, or math.ceil(n / bs)."],
    why="The starts 0, bs, 2 bs, ... below n number n / bs rounded up; the last batch holds what is left, "
        "n - (batches - 1) * bs images: 80 for 50,000 images in batches of 256, and a full 1,000 when bs "
        "divides n.")

# ------------------------------------------------------------------------------------------------ 9


def log_sum_exp(z):
    m = z.max(dim=1, keepdim=True).values  # each row's largest score
    return (m + (z - m).exp().sum(dim=1, keepdim=True).log()).squeeze(1)


def _logsumexp_by_torch(z):
    return torch.logsumexp(z, dim=1)


def _q9_cases() -> list[Case]:
    return [
        Case((torch.tensor([[1.0, 2.0, 3.0, -1.0], [0.5, -0.5, 2.0, 0.0], [-2.0, 1.0, 0.0, 3.0]]),),
             "three rows of four moderate scores"),
        Case((torch.tensor([[1000.0, 999.0, -1000.0]]),), "a batch of one, with scores in the thousands"),
        Case((torch.tensor([[-1000.0, -1000.0, -1001.0, -1003.0, -1000.5], [40.0, 38.0, 0.0, -5.0, 41.0]]),),
             "two rows of five, one of them with very negative scores"),
        Case((torch.tensor([[200.0, 201.0], [-3.0, -2.0], [0.0, 0.0]]),), "rows far apart from one another"),
    ]


def _q9_random() -> Case:
    return Case((50 * torch.randn(6, 7),), "a random case")


def _naive_lse(z):
    return z.exp().sum(dim=1).log()


def _global_max_lse(z):
    m = z.max()
    return m + (z - m).exp().sum(dim=1).log()


def _max_not_added_back(z):
    m = z.max(dim=1, keepdim=True).values
    return (z - m).exp().sum(dim=1).log()


q9 = FunctionExercise(
    9, solution=log_sum_exp, expected_by=_logsumexp_by_torch, cases=_q9_cases, random_case=_q9_random,
    tensor_ops_only=True,
    refuse=[("logsumexp", "torch.logsumexp is what the check compares with; build it from max, exp, sum and log"),
            ("softmax", "build it from max, exp, sum and log, without a softmax")],
    mistakes=[
        (_naive_lse, "it computes exp of the raw scores, which overflows to inf above about 88 and underflows "
                     "to 0 below about -104: shift each row by its maximum first"),
        (_global_max_lse, "it shifts every row by the largest score of the whole batch; a row far below it "
                          "still underflows: shift each row by its own maximum"),
        (_max_not_added_back, "it forgets to add each row's maximum back: log sum exp(z) = m + log sum "
                              "exp(z - m)"),
    ],
    hints=["exp(z - m) = exp(z) / exp(m), so log sum exp(z) = m + log sum exp(z - m) for any m. Which m keeps "
           "every exp(z - m) at most 1, and at least one of them equal to 1?",
           "m = z.max(dim=1, keepdim=True).values, one per row; keepdim lets z - m broadcast. Return m + "
           "log((z - m).exp().sum(dim=1, keepdim=True)), with the last axis removed (shape (n,))."],
    why="Subtracting each row's maximum m changes log sum exp by exactly m, which we add back; afterwards the "
        "largest term is exp(0) = 1, so nothing overflows and the sum is at least 1, so its log is finite. Then "
        "log_softmax(z) = z - log_sum_exp(z)[:, None].")

# ------------------------------------------------------------------------------------------------ 10


def logistic_gradient(x, y, w, b):
    p = torch.sigmoid(x @ w + b)  # the probability of "yes" for each image
    return x.T @ (p - y) / len(y)  # dL/dz = (p - y) / n for each image, then the chain rule through x @ w


def _logistic_gradient_by_autograd(x, y, w, b):
    w = w.clone().requires_grad_()
    torch.nn.functional.binary_cross_entropy_with_logits(x @ w + b, y).backward()  # the mean, computed stably
    return w.grad


def _q10_cases() -> list[Case]:
    x = torch.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0], [2.0, 0.5, 1.5], [-1.0, -1.0, 0.0], [0.5, 2.0, -0.5]])
    return [
        Case((x, torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0]), torch.tensor([0.3, -0.2, 0.8]), torch.tensor(0.5)),
             "five images of three inputs, bias 0.5"),
        Case((torch.tensor([[0.5, -1.5, 2.0, 1.0]]), torch.tensor([0.0]), torch.tensor([1.0, 0.5, -0.5, 2.0]),
              torch.tensor(-1.0)), "a batch of one image"),
        Case((2 * x, torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0]), torch.tensor([1.5, 1.0, -2.0]), torch.tensor(0.0)),
             "confident scores, some of them wrong, bias 0"),
    ]


def _q10_random() -> Case:
    return Case((torch.randn(8, 6), torch.randint(0, 2, (8,)).float(), torch.randn(6), torch.randn(())),
                "a random case")


def _sigmoid_of(x, w, b):
    return torch.sigmoid(x @ w + b)


q10 = FunctionExercise(
    10, solution=logistic_gradient, expected_by=_logistic_gradient_by_autograd, cases=_q10_cases,
    random_case=_q10_random,
    refuse=[("backward", "this exercise asks for the gradient by hand; autograd is what the check compares it "
                         "with"),
            ("autograd", "this exercise asks for the gradient by hand; autograd is what the check compares it "
                         "with")],
    mistakes=[
        (lambda x, y, w, b: x.T @ (_sigmoid_of(x, w, b) - y),
         "it adds the images' gradients; the loss is a mean over the images, so its gradient is too"),
        (lambda x, y, w, b: x.T @ (y - _sigmoid_of(x, w, b)) / len(y),
         "the sign is the wrong way round: the loss grows with the score of an image labelled 0, so dL/dz is "
         "p - y"),
        (lambda x, y, w, b: x.T @ ((_sigmoid_of(x, w, b) - y) * _sigmoid_of(x, w, b) * (1 - _sigmoid_of(x, w, b)))
         / len(y),
         "it multiplies by the sigmoid's slope p * (1 - p) once more; with the cross-entropy that factor "
         "cancels against the derivative of the log, and dL/dz is simply p - y"),
        (lambda x, y, w, b: x.T @ (torch.sigmoid(x @ w) - y) / len(y),
         "it leaves out the bias: the scores are x @ w + b"),
        (lambda x, y, w, b: x.T @ (x @ w + b - y) / len(y),
         "it uses the scores where the probabilities belong: p = sigmoid(x @ w + b), then p - y"),
    ],
    hints=["Work on one image first, with z = x_i @ w + b and p = sigmoid(z): the derivative of "
           "-(y log p + (1 - y) log(1 - p)) with respect to z is p - y (sigmoid's slope is p (1 - p)).",
           "Then dz/dw = x_i, and the loss is a mean over the n images: sum_i x_i (p_i - y_i) / n, which is "
           "x.T @ (p - y) / n as one product."],
    why="The sigmoid's slope p (1 - p) cancels against the derivative of the log, so dL/dz = (p - y) / n per "
        "image: the predicted probability minus the truth, as for the ten-class softmax of step 4. The chain "
        "rule through z = x @ w + b gives x.T @ (p - y) / n for w (and the mean of p - y for b).")

# ------------------------------------------------------------------------------------------------ 11

_Q11_SIZES = (784, 128, 64, 10)


def _q11_count() -> int:
    layers = [torch.nn.Linear(n_in, n_out) for n_in, n_out in zip(_Q11_SIZES, _Q11_SIZES[1:])]
    return sum(p.numel() for layer in layers for p in layer.parameters())


def _weights(sizes=_Q11_SIZES) -> int:
    return sum(n_in * n_out for n_in, n_out in zip(sizes, sizes[1:]))


def _equals(value: int) -> Callable[[Any, Any], bool]:
    def test(answer: Any, expected: Any) -> bool:
        try:
            return abs(float(answer) - value) < 0.5
        except (TypeError, ValueError, RuntimeError):
            return False
    return test


def _not_a_whole_number(answer: Any, expected: Any) -> bool:
    try:
        return abs(float(answer) - round(float(answer))) > 1e-9
    except (TypeError, ValueError, RuntimeError):
        return False


q11 = ValueExercise(
    11, expected=_q11_count, atol=0.5, rtol=0.0,
    checks=[
        (_not_a_whole_number, "a number of parameters is a whole number"),
        (_equals(_weights()), "that counts the weights only: each layer also has a bias, one per output unit"),
        (_equals(_weights() + sum(_Q11_SIZES[:-1])), "a layer has one bias per *output* unit, not per input"),
        (_equals(_weights() + sum(_Q11_SIZES)), "the input is not a layer: the pixels have no bias of their own"),
        (_equals(sum(_Q11_SIZES)), "that counts units, not parameters: a layer from n_in to n_out units has a "
                                   "weight for every pair, n_in * n_out, and n_out biases"),
        (_equals(784 * 128 * 64 * 10), "the layers' matrices are separate: add up the layers' counts, rather than "
                                       "multiplying the sizes together"),
    ],
    hints=["A layer from n_in to n_out units has an (n_in, n_out) weight matrix and n_out biases. How many "
           "layers does 784 -> 128 -> 64 -> 10 have?",
           "Three layers: 784 * 128 + 128, then 128 * 64 + 64, then 64 * 10 + 10. Add them up (Python can do the "
           "arithmetic)."],
    solution="n_params = (784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10)\nex.q11.check(n_params)",
    why="Each Linear layer holds n_in * n_out weights and n_out biases, and the ReLUs hold none: "
        "(784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10). `sum(p.numel() for p in model.parameters())` "
        "counts the same.")

# ------------------------------------------------------------------------------------------------ 12


def adam_steps(p, grads, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):  # t counts the steps from 1
        m = beta1 * m + (1 - beta1) * g  # running mean of the gradient
        s = beta2 * s + (1 - beta2) * g * g  # running mean of its square
        m_hat, s_hat = m / (1 - beta1**t), s / (1 - beta2**t)  # bias correction
        p = p - lr * m_hat / (s_hat.sqrt() + eps)  # a new tensor: the caller's p stays as it was
    return p


def _adam_by_torch(p, grads, lr):
    p = p.clone().requires_grad_()
    opt = torch.optim.Adam([p], lr=lr)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p.detach()


def _q12_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(12)
    p = torch.randn(2, 3, generator=gen)
    return [
        Case((p, torch.randn(1, 2, 3, generator=gen), 0.1), "a single step on a 2 x 3 parameter"),
        Case((torch.tensor([1.0, -2.0, 0.5, 3.0]),
              torch.tensor([[0.5, -1.0, 2.0, 0.1], [-0.5, -0.8, 1.5, 0.1], [0.4, -1.2, -3.0, 0.1],
                            [-0.3, -0.9, 2.5, 0.1], [0.6, -1.1, 0.5, 0.1]]), 0.01),
             "five steps, some gradients changing sign"),
        Case((torch.tensor([0.2, -0.4, 1.0]),
              1e-4 * torch.tensor([[1.0, -2.0, 0.0], [1.5, -1.0, 0.0], [0.5, -3.0, 0.0]]), 0.1),
             "three steps with tiny gradients, one of them always zero"),
        Case((torch.randn(5, generator=gen), torch.randn(20, 5, generator=gen), 0.001), "twenty steps"),
    ]


def _q12_random() -> Case:
    return Case((torch.randn(3, 2), torch.randn(4, 3, 2), 0.05), "a random case")


def _adam_variant(p, grads, lr, *, correct=True, eps_inside=False, summed=False, momentum=True):
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m, s = torch.zeros_like(p), torch.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 if summed else 1 - beta1) * g
        s = beta2 * s + (1 if summed else 1 - beta2) * g * g
        m_hat = m / (1 - beta1**t) if correct else m
        s_hat = s / (1 - beta2**t) if correct else s
        root = (s_hat + eps).sqrt() if eps_inside else s_hat.sqrt() + eps
        p = p - lr * (m_hat if momentum else g) / root
    return p


q12 = FunctionExercise(
    12, solution=adam_steps, expected_by=_adam_by_torch, cases=_q12_cases, random_case=_q12_random,
    mistakes=[
        (lambda p, grads, lr: _adam_variant(p, grads, lr, correct=False),
         "it leaves out the bias correction: m and s start at zero, and s is more biased than m, so the first "
         "steps come out too large (about 3.2 lr at step 1); divide m by 1 - beta1**t and s by 1 - beta2**t"),
        (lambda p, grads, lr: _adam_variant(p, grads, lr, eps_inside=True),
         "eps goes outside the square root: m_hat / (sqrt(s_hat) + eps), as torch.optim.Adam does"),
        (lambda p, grads, lr: _adam_variant(p, grads, lr, summed=True),
         "m and s are running averages, m <- beta1 * m + (1 - beta1) * g (and likewise for s), not running "
         "sums"),
        (lambda p, grads, lr: _adam_variant(p, grads, lr, momentum=False),
         "it steps along the latest gradient; Adam steps along m_hat, the running mean of the gradients"),
    ],
    hints=["Keep m and s (zeros like p) and a step counter t that starts at 1. For each gradient g: update m and "
           "s, correct both for their start at zero, then step p.",
           "m = beta1 * m + (1 - beta1) * g; s = beta2 * s + (1 - beta2) * g * g; m_hat = m / (1 - beta1**t); "
           "s_hat = s / (1 - beta2**t); p = p - lr * m_hat / (s_hat.sqrt() + eps). Write p = p - ..., not p -= "
           "..., so the caller's tensor is left alone."],
    why="Adam keeps running means of the gradient and of its square, divides each by 1 - beta**t so that the "
        "zeros they start from do not bias them, and steps by lr * m_hat / (sqrt(s_hat) + eps): for a steady "
        "gradient about lr per step, whatever the gradient's size. A loop over the steps is right here: each "
        "step needs the one before.")
