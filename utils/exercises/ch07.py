"""Chapter 7, CIFAR-2 with feed-forward networks: the checkable exercises
(``from utils.exercises import ch07 as ex``).

* ``q1``: what ``nn.Softmax(dim=1)`` and ``torch.max(..., dim=1)`` return for two rows of scores, one of them a
  tie (a prediction: the letter ``prediction``).
* ``q2``: the number of parameters of a stack of ``nn.Linear`` layers of given widths (a formula as a function),
  counted by PyTorch.
* ``q5``: the gradient of the mean cross-entropy with respect to the scores, by hand (a function), checked
  against autograd.
* ``q6``: the standard deviation of a pre-activation of ``nn.Linear`` with its default initialisation, predicted
  from the inputs (a derivation, evaluated as a function).
* ``q8``: how much the trained networks lose on mirrored test images, next to a 4-pixel shift (a prediction).

Where an answer is a mistake learners often make (a sum where the loss takes a mean, the one-hot label left out,
the softmax over the batch, biases forgotten, a uniform distribution's variance taken as a^2), the check names it.
"""

from __future__ import annotations

import torch

from utils.exercises.base import Case, ChoiceExercise, FunctionExercise

# ------------------------------------------------------------------------------------------------ 1

q1 = ChoiceExercise(
    1, choices="abcd", correct_choice="a", answer_name="prediction",
    explanations={
        "a": "equal scores give equal probabilities, 1/2 each; a gap of 3 gives 1 / (1 + e^3) and e^3 / (1 + e^3); "
             "max returns each row's largest value and its position, the first one on a tie.",
        "b": "on a tie torch.max returns the position of the *first* largest value, not the last",
        "c": "softmax never gives exactly 0: exp of any finite score is positive, and a gap of 3 is far from "
             "what float32 rounds away",
        "d": "dim=1 is the class dimension: each *row* (one sample's scores) is turned into probabilities that "
             "add up to one, not each column",
    },
    hints=["Softmax depends only on the differences of a row's scores. What are the probabilities of two equal "
           "scores, and of two scores 3 apart (e^3 is about 20.1)?",
           "Row 2: 1 / (1 + 20.1) and 20.1 / (1 + 20.1). torch.max(..., dim=1) returns two tensors, each row's "
           "largest value and its index; on a tie the index of the first one."],
    why="Softmax along dim=1 turns each row into probabilities: [0.5, 0.5] for the tie and about [0.047, 0.953] "
        "for a gap of 3. torch.max(probs, dim=1) returns the values [0.5, 0.953] and the indices [0, 1], the "
        "first position on a tie.")

# ------------------------------------------------------------------------------------------------ 2


def n_parameters(widths):
    # each nn.Linear(n_in, n_out): n_in * n_out weights and n_out biases
    return sum(n_in * n_out + n_out for n_in, n_out in zip(widths, widths[1:]))


def _parameters_by_torch(widths):
    layers = [torch.nn.Linear(n_in, n_out) for n_in, n_out in zip(widths, widths[1:])]
    return sum(p.numel() for layer in layers for p in layer.parameters())


def _q2_cases() -> list[Case]:
    return [
        Case(((3072, 1024, 2),), "the exercise's network, 3072-1024-2"),
        Case(((3072, 512, 2),), "the chapter's baseline, 3072-512-2"),
        Case(((784, 100, 10),), "chapter 6's network, 784-100-10"),
        Case(((5, 1),), "a single layer, 5 inputs and 1 output"),
        Case(((6, 4, 3, 2),), "three layers, 6-4-3-2"),
        Case(((10,),), "one width and no layer at all"),
    ]


def _q2_random() -> Case:
    depth = int(torch.randint(2, 6, ()))
    return Case((tuple(int(w) for w in torch.randint(1, 300, (depth,))),), "a random case")


q2 = FunctionExercise(
    2, solution=n_parameters, expected_by=_parameters_by_torch, cases=_q2_cases, random_case=_q2_random,
    mistakes=[
        (lambda widths: sum(a * b for a, b in zip(widths, widths[1:])),
         "it counts the weights only: every layer also has one bias per output"),
        (lambda widths: sum(a * b + a for a, b in zip(widths, widths[1:])),
         "a layer has one bias per *output* unit (a bias is added to each output's weighted sum), not one per "
         "input"),
        (lambda widths: widths[0] * widths[1] + widths[1] if len(widths) > 1 else 0,
         "it counts the first layer only; add up every layer, one for each pair of neighbouring widths"),
    ],
    hints=["nn.Linear(n_in, n_out) holds a weight matrix and a bias vector. What are their shapes?",
           "A layer has n_in * n_out + n_out parameters; the layers are the neighbouring pairs of widths, "
           "zip(widths, widths[1:]). Add them up."],
    why="nn.Linear(n_in, n_out) has an (n_out, n_in) weight and n_out biases, so the 3072-1024-2 network has "
        "3072 * 1024 + 1024 + 1024 * 2 + 2 = 3,148,802 parameters: doubling the hidden layer doubles the first "
        "layer, which holds almost all of them.")

# ------------------------------------------------------------------------------------------------ 5


def cross_entropy_grad(scores, labels):
    probs = scores.softmax(dim=1)  # softmax shifts by each row's maximum: no overflow
    one_hot = torch.nn.functional.one_hot(labels, scores.shape[1])
    return (probs - one_hot) / len(labels)  # F.cross_entropy takes the mean over the batch


def _grad_by_autograd(scores, labels):
    scores = scores.detach().clone().requires_grad_()
    torch.nn.functional.cross_entropy(scores, labels).backward()
    return scores.grad


def _q5_cases() -> list[Case]:
    return [
        Case((torch.tensor([[1.0, -0.5, 2.0, 0.0], [0.3, 0.3, -1.0, 2.5], [-2.0, 1.0, 0.5, 0.0],
                            [0.0, 0.0, 0.0, 0.0], [3.0, -3.0, 1.0, 2.0], [-1.0, -1.5, 2.0, 0.5]]),
              torch.tensor([3, 0, 1, 1, 2, 0])), "6 samples of 4 classes"),
        Case((torch.tensor([[2.0, -1.0, 0.5]]), torch.tensor([1])), "a batch of one, 3 classes"),
        Case((torch.tensor([[1.5, -0.5], [-2.0, 0.5], [0.0, 4.0], [1.0, 1.0], [-3.0, -1.0]]),
              torch.tensor([0, 1, 0, 1, 1])), "5 samples of 2 classes"),
        Case((torch.tensor([[300.0, 0.0, -200.0], [-400.0, -395.0, -410.0]]), torch.tensor([2, 1])),
             "2 samples with scores in the hundreds, confidently wrong"),
    ]


def _q5_random() -> Case:
    n, c = int(torch.randint(1, 9, ())), int(torch.randint(2, 7, ()))
    return Case((3 * torch.randn(n, c), torch.randint(0, c, (n,))), "a random case")


_REFUSE_AUTOGRAD = [
    ("backward", "this exercise asks for the gradient by hand; autograd is what the check compares it with"),
    ("autograd", "this exercise asks for the gradient by hand; autograd is what the check compares it with"),
]

q5 = FunctionExercise(
    5, solution=cross_entropy_grad, expected_by=_grad_by_autograd, cases=_q5_cases, random_case=_q5_random,
    refuse=_REFUSE_AUTOGRAD,
    mistakes=[
        (lambda s, y: s.softmax(dim=1) - torch.nn.functional.one_hot(y, s.shape[1]),
         "that is the gradient of the *sum* of the losses; F.cross_entropy takes their mean over the batch"),
        (lambda s, y: (torch.nn.functional.one_hot(y, s.shape[1]) - s.softmax(dim=1)) / len(y),
         "the sign is the wrong way round: raising the true class's score lowers the loss, so its component is "
         "negative"),
        (lambda s, y: s.softmax(dim=1) / len(y),
         "the label is missing: dL/ds_j is p_j minus 1 for the true class, p_j for every other"),
        (lambda s, y: (s.softmax(dim=0) - torch.nn.functional.one_hot(y, s.shape[1])) / len(y),
         "the softmax runs over dim=0, the batch; each sample's probabilities come from its own row, dim=1"),
    ],
    hints=["Write L = -s_y + log(sum_k exp(s_k)) for one sample. What is the derivative of each of the two terms "
           "with respect to s_j?",
           "For one sample, dL/ds_j = softmax(s)_j - [j = y]: the probabilities minus the one-hot label "
           "(F.one_hot(labels, n_classes)). F.cross_entropy averages over the batch, so divide by its size."],
    why="The derivative of log(sum_k exp(s_k)) is the softmax, and that of -s_y is minus the one-hot label; the "
        "batch mean divides every row by N. Each row sums to zero, and the true class's component tends to "
        "-1/N, not 0, as the model becomes confidently wrong: the push never fades.")

# ------------------------------------------------------------------------------------------------ 6


def predicted_std(x):
    n = x.shape[1]  # inputs per image
    # Var(z) = sum_j x_j^2 Var(w) + Var(b), with Var(w) = Var(b) = (1 / sqrt(n))^2 / 3, averaged over images
    return ((x.square().sum(dim=1).mean() + 1) / (3 * n)).sqrt()


def _predicted_std_number(x):
    return float(predicted_std(x))


def _q6_cases() -> list[Case]:
    gen = torch.Generator().manual_seed(6)
    return [
        Case((torch.rand(8, 3072, generator=gen),), "eight 3,072-pixel images in [0, 1], like x / 255"),
        Case((torch.randn(8, 3072, generator=gen),), "eight normalised images"),
        Case((torch.tensor([[0.5, -2.0, 1.0, 3.0, -0.5]]),), "a single input of 5 numbers, some negative"),
        Case((torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0]]),), "three inputs of 2 numbers"),
    ]


def _q6_random() -> Case:
    n, d = int(torch.randint(1, 20, ())), int(torch.randint(2, 500, ()))
    return Case((torch.randn(n, d) + torch.randn(()),), "a random case")


q6 = FunctionExercise(
    6, solution=predicted_std, expected_by=_predicted_std_number, cases=_q6_cases, random_case=_q6_random,
    mistakes=[
        (lambda x: (x.square().sum(dim=1).mean() + 1) / (3 * x.shape[1]),
         "that is the variance; the exercise asks for the standard deviation"),
        (lambda x: ((x.square().sum(dim=1).mean() + 1) / x.shape[1]).sqrt(),
         "a uniform variable on (-a, a) has variance a^2 / 3, not a^2"),
        (lambda x: (x.square().sum(dim=1).mean() / (3 * x.shape[1])).sqrt(),
         "the bias is drawn from the same uniform distribution, and its variance adds to the weights' part"),
        (lambda x: ((x.var() * x.shape[1] + 1) / (3 * x.shape[1])).sqrt(),
         "the weights have mean zero, so Var(w . x) sums x_j^2, not (x_j - mean)^2: the inputs' offset counts"),
    ],
    hints=["For a fixed input x, z = w . x + b is a sum of independent terms with mean zero. What is the "
           "variance of w_j x_j, and what is the variance of a uniform variable on (-a, a)?",
           "Var(U(-a, a)) = a^2 / 3 with a = 1 / sqrt(n), so Var(z) = (sum_j x_j^2 + 1) / (3 n) for one input. "
           "Average it over the images (the rows of x) and take the square root."],
    why="Each weight and the bias have variance 1 / (3n); for a fixed input the terms are independent with mean "
        "zero, so Var(z) = (sum_j x_j^2 + 1) / (3n), and over images it is the mean of x^2 divided by 3 (plus a "
        "tiny 1 / (3n)): about 0.3 for x / 255, 0.58 normalised.")

# ------------------------------------------------------------------------------------------------ 8

q8 = ChoiceExercise(
    8, choices="abc", correct_choice="a", answer_name="prediction",
    explanations={
        "a": "airplanes and birds face both ways in the data, so a mirrored photo is still a typical photo: "
             "even the networks never shown a flip lose far less than with a 4-pixel shift.",
        "b": "a 4-pixel shift moves every object to positions where it rarely appears in training; a mirrored "
             "photo is still a typical photo, because airplanes and birds face both ways in the data",
        "c": "moving every pixel is not what hurts: what matters is whether the new image looks like the "
             "training images, and mirrored airplanes and birds do",
    },
    hints=["A fully connected network only knows the inputs it was trained on. Do the training images hold "
           "airplanes and birds facing left as well as right?",
           "A mirrored photo of an airplane looks like another training photo; a photo shifted by 4 pixels, with "
           "a grey band down one side, does not."],
    why="The training images show airplanes and birds facing both ways, so mirroring gives typical inputs and "
        "every network loses little; variant 3, trained on flips, treats both directions alike. A 4-pixel "
        "shift, with its grey band, gives inputs unlike any the baseline saw.")
