"""Chapter 3, Pixel similarity: the checkable exercises (``from utils.exercises import ch03 as ex``).

* ``q2``: predict the shape of five broadcasts around ``distance_table``, or that they fail (a value: the
  dict ``shapes``).
* ``q3``: does dividing the pixels by 255 change any label? (a prediction: the letter ``scale_prediction``).
* ``q4``: the balanced accuracy, the mean of the per-label accuracies (a function).
* ``q8``: the threshold on the 3-evidence with the highest balanced accuracy (a function, tensor operations).
* ``q9``: Wilson's interval from its defining inequality, for many counts at once (a formula as a function,
  tensor operations only), checked against ``utils.stats.accuracy_interval``.
* ``q10``: a paired comparison of two rules whose intervals overlap (a prediction: ``paired_prediction``).

Where a function exercise's answer is a mistake learners often make (the accuracy on all images for the
balanced one, Wald's interval for Wilson's), the check names that mistake instead of only saying that the
values differ.
"""

from __future__ import annotations

import torch

from utils.exercises.base import Case, ChoiceExercise, FunctionExercise, ValueExercise, shape_checks
from utils.stats import accuracy_interval

# ------------------------------------------------------------------------------------------------ 2


def _distance_table(images, templates, power=1):
    """The chapter's distance_table."""
    gaps = (images[:, None, :] - templates[None, :, :]).abs() ** power
    return gaps.mean(-1) ** (1 / power)


def _shape_or_fails(expression):
    try:
        return tuple(expression().shape)
    except (RuntimeError, IndexError):
        return "fails"


def _shapes():
    # tensors of the chapter's shapes on the meta device: shapes and errors, no memory, no data
    valid_x, templates = torch.zeros(2038, 784, device="meta"), torch.zeros(2, 784, device="meta")
    expressions = {"a": lambda: valid_x[:, None, :] - templates[None, :, :],
                   "b": lambda: _distance_table(valid_x[:5], templates),
                   "c": lambda: _distance_table(valid_x, valid_x[:3]),
                   "d": lambda: valid_x - templates,
                   "e": lambda: _distance_table(valid_x[0], templates)}
    return {part: _shape_or_fails(expression) for part, expression in expressions.items()}


_PART_MESSAGES = {
    "a": "count the axes: each operand gets a new axis of length 1, in different places",
    "b": "distance_table returns one distance per (image, template) pair",
    "c": "any (k, 784) tensor can play the templates, and the first three images are one",
    "d": "write the two shapes one under the other, aligned on the right: two sizes that differ must include "
         "a 1",
    "e": "how many axes does one image have, and how many does `images[:, None, :]` index?",
}

q2 = ValueExercise(
    2, expected=_shapes, answer_name="shapes",
    checks=shape_checks("expression", _PART_MESSAGES, fails="an expression that raises an error"),
    hints=["`valid_x` is (2038, 784) and `templates` is (2, 784). For each expression, write the shapes that meet "
           "in the subtraction, aligned on the right.",
           "`images[:, None, :]` needs an `images` with two axes; distance_table's result has one row per image "
           "and one column per template.",
           "Three of the five give a shape; check the other two against the broadcasting rule and against the "
           "number of axes of `valid_x[0]`."],
    solution='''shapes = {
    "a": (2038, 2, 784),  # (2038, 1, 784) with (1, 2, 784): every image minus every template
    "b": (5, 2),  # five images, two templates
    "c": (2038, 3),  # any images can serve as "templates", here the first three
    "d": "fails",  # (2038, 784) with (2, 784): 2038 meets 2, and neither is 1
    "e": "fails",  # one image is (784,), one axis: images[:, None, :] indexes two
}
ex.q2.check()''',
    why="Aligned on the right, (2038, 784) and (2, 784) clash on the first axis, which is why distance_table "
        "gives each operand its own new axis; and it needs a batch of images, so one image is passed as "
        "`valid_x[:1]`, shape (1, 784).")


# ------------------------------------------------------------------------------------------------ 3


q3 = ChoiceExercise(
    3, choices="abc", correct_choice="a", answer_name="scale_prediction",
    explanations={
        "a": "every distance is multiplied by 255, on both sides of each comparison, so the nearer template "
             "stays the nearer one; rounding could only flip a near-exact tie, and the chapter's closest call "
             "is far larger than float32's rounding",
        "b": "an image near a tie stays near a tie: both of its distances are multiplied by the same positive "
             "number, which keeps the smaller one smaller (rounding aside, and the chapter measured the closest "
             "call to be far larger than that)",
        "c": "the distances do grow 255 times, but the rule compares two distances, and both grow by the same "
             "factor",
    },
    hints=["The rule compares two distances of one image. What happens to each of them when every pixel, of "
           "the images and of the templates, is multiplied by 255?",
           "Multiplying both sides of `d7 < d3` by the same positive number does not change whether it holds."],
    why="Every difference, hence every distance, is multiplied by 255, and a comparison of two distances scaled "
        "by the same positive number comes out the same: no label changes. The scale matters for training "
        "(initialisation and learning rates assume inputs of order one), not for this rule.")


# ------------------------------------------------------------------------------------------------ 4


def balanced_accuracy(correct, labels):
    """The mean, over the labels that occur, of the accuracy on the images with that label."""
    per_label = [correct[labels == label].float().mean() for label in labels.unique()]
    return (sum(per_label) / len(per_label)).item()


def _balanced_cases():
    t, f = True, False
    return [Case((torch.tensor([t, t, f, t, t, t, f, t]), torch.tensor([1, 1, 1, 1, 1, 1, 0, 0])),
                 "six 3s and two 7s (labels 1 and 0)"),
            Case((torch.tensor([t, f, t, t, f, t, t]), torch.tensor([3, 7, 7, 3, 7, 7, 7])),
                 "labels 3 and 7 instead of 1 and 0"),
            Case((torch.tensor([t, f, t, t, t, f]), torch.tensor([0, 0, 1, 1, 1, 2])),
                 "three labels, one of them on a single image"),
            Case((torch.tensor([f]), torch.tensor([1])), "a single image")]


def _balanced_random():
    n = int(torch.randint(2, 40, ()))
    labels = torch.cat([torch.tensor([0, 1]), torch.randint(0, 2, (n - 2,))])
    return Case((torch.rand(n) < 0.8, labels), f"{n} random images")


def _accuracy_on_all(correct, labels):
    return correct.float().mean().item()


def _summed(correct, labels):
    return sum(correct[labels == label].float().mean() for label in labels.unique()).item()


q4 = FunctionExercise(
    4, solution=balanced_accuracy, cases=_balanced_cases, random_case=_balanced_random,
    mistakes=[(_accuracy_on_all, "that is the accuracy on all images, in which each image counts once, so the "
                                 "label with more images weighs more; in the balanced accuracy each label counts "
                                 "once, whatever its number of images"),
              (_summed, "it adds up the per-label accuracies; the balanced accuracy is their mean")],
    hints=["Work label by label: `correct[labels == label]` holds the answers on that label's images. "
           "`labels.unique()` lists the labels that occur.",
           "A boolean tensor has no mean: `.float()` first. Then average the per-label accuracies, each label "
           "with the same weight.",
           "`sum(accs) / len(accs)` with `accs = [correct[labels == l].float().mean() for l in labels.unique()]`"],
    why="Each label's accuracy is a mean over its own images, and the balanced accuracy averages those with "
        "equal weights; the accuracy on all images weights them by their numbers of images instead. The two "
        "agree when every label has as many images.")


# ------------------------------------------------------------------------------------------------ 8


def best_threshold(evidence, labels, candidates):
    """The candidate threshold with the highest balanced accuracy ("3" when evidence > threshold); the first
    of them if several tie."""
    says_3 = evidence[:, None] > candidates[None, :]  # (images, candidates)
    right = says_3 == (labels[:, None] == 1)
    balanced = (right[labels == 1].float().mean(0) + right[labels == 0].float().mean(0)) / 2
    return candidates[balanced.argmax()].item()


def _threshold_cases():
    return [Case((torch.tensor([-2.0, -1.0, 0.5, 1.0, 3.0, 4.0]), torch.tensor([0, 0, 1, 0, 1, 1]),
                  torch.tensor([-3.0, 0.0, 0.75, 2.0, 5.0])),
                 "six images and five candidates, two of them tied for the best"),
            Case((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 1, 1]), torch.tensor([1.0, 2.0])),
                 "images whose evidence equals a candidate"),
            Case((torch.tensor([1.0, 2.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.5, 1.6]),
                  torch.tensor([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]), torch.tensor([0.75, 1.75, 2.75])),
                 "two 3s and eight 7s"),
            Case((torch.tensor([-1.0, 2.0, 0.5]), torch.tensor([0, 1, 0]), torch.tensor([-4.0])),
                 "a single candidate"),
            Case((torch.tensor([3.0, 4.0, 5.0, -1.0, 0.0]), torch.tensor([1, 1, 1, 0, 0]),
                  torch.tensor([-2.0, 1.0, 2.0])), "candidates on both sides of zero")]


def _threshold_random():
    n, k = int(torch.randint(4, 60, ())), int(torch.randint(1, 30, ()))
    labels = torch.cat([torch.tensor([0, 1]), torch.randint(0, 2, (n - 2,))])
    evidence = torch.randn(n) * 3 + 4 * labels
    return Case((evidence, labels, torch.linspace(-6, 10, k)), f"{n} random images and {k} candidates")


def _best_on_all_images(evidence, labels, candidates):
    right = (evidence[:, None] > candidates[None, :]) == (labels[:, None] == 1)
    return candidates[right.float().mean(0).argmax()].item()


def _at_or_above(evidence, labels, candidates):
    right = (evidence[:, None] >= candidates[None, :]) == (labels[:, None] == 1)
    balanced = (right[labels == 1].float().mean(0) + right[labels == 0].float().mean(0)) / 2
    return candidates[balanced.argmax()].item()


def _last_of_the_best(evidence, labels, candidates):
    right = (evidence[:, None] > candidates[None, :]) == (labels[:, None] == 1)
    balanced = (right[labels == 1].float().mean(0) + right[labels == 0].float().mean(0)) / 2
    return candidates[len(candidates) - 1 - balanced.flip(0).argmax()].item()


def _position_of_the_best(evidence, labels, candidates):
    right = (evidence[:, None] > candidates[None, :]) == (labels[:, None] == 1)
    return ((right[labels == 1].float().mean(0) + right[labels == 0].float().mean(0)) / 2).argmax().item()


def _candidates_as_biases(evidence, labels, candidates):
    right = (evidence[:, None] + candidates[None, :] > 0) == (labels[:, None] == 1)
    balanced = (right[labels == 1].float().mean(0) + right[labels == 0].float().mean(0)) / 2
    return candidates[balanced.argmax()].item()


q8 = FunctionExercise(
    8, solution=best_threshold, cases=_threshold_cases, random_case=_threshold_random, tensor_ops_only=True,
    mistakes=[(_best_on_all_images, "it picks the best accuracy on all images, which favours the more numerous "
                                    "digit; average the accuracy on the 3s and the accuracy on the 7s"),
              (_at_or_above, 'an image whose evidence equals the threshold: the rule says "3" only when the '
                             "evidence is above it"),
              (_last_of_the_best, "several candidates tie for the best here: return the first of them"),
              (_position_of_the_best, "it returns the position of the best candidate; return the candidate "
                                      "itself"),
              (_candidates_as_biases, "it treats each candidate as a bias (evidence + b > 0); here a candidate "
                                      'is a threshold: "3" when the evidence is above it')],
    hints=["Make a table of answers, one row per image and one column per candidate: which shapes must "
           "`evidence` and `candidates` have so that `>` gives it?",
           "`evidence[:, None] > candidates[None, :]` is (images, candidates). Compare it with "
           "`labels[:, None] == 1`, average each column over the 3s' rows and over the 7s' rows, and take the "
           "mean of the two.",
           "`candidates[balanced.argmax()]`: argmax returns the first of several equal maxima."],
    why="One broadcast scores every candidate on every image; averaging the table's columns separately over the "
        "3s and the 7s gives each candidate's two per-digit accuracies, and their mean its balanced accuracy. "
        "Chosen on held-out images, the threshold is a first number fitted to the mistakes.")


# ------------------------------------------------------------------------------------------------ 9


def wilson_interval(correct, total):
    """Wilson's 95% interval for each count: (n,) counts right and (n,) totals -> (n, 2), low and high."""
    z = 1.96
    p = correct / total
    centre = (p + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z * (p * (1 - p) / total + z**2 / (4 * total**2)).sqrt() / (1 + z**2 / total)
    return torch.stack([centre - half, centre + half], dim=-1)


def _wilson_cases():
    return [Case((torch.tensor([926, 1013, 920]), torch.tensor([1010, 1028, 1000])),
                 "the L1 rule's 3s and 7s, and 920 of 1,000"),
            Case((torch.tensor([196]), torch.tensor([200])), "a single count, 196 of 200"),
            Case((torch.tensor([200, 0]), torch.tensor([200, 50])), "all right (200 of 200) and none right (0 of 50)")]


def _wilson_random():
    n = int(torch.randint(1, 8, ()))
    total = torch.randint(1, 3000, (n,))
    return Case(((torch.rand(n) * (total + 1)).floor().long().clamp(max=total), total), f"{n} random counts")


def _wilson_from_stats(correct, total):
    """utils.stats.accuracy_interval, count by count: what the check compares an answer with."""
    rows = [accuracy_interval(int(c), int(t)) for c, t in zip(correct.tolist(), total.tolist())]
    return torch.tensor(rows, dtype=torch.float64)


def _wald_interval(correct, total):
    p = correct / total
    half = 1.96 * (p * (1 - p) / total).sqrt()
    return torch.stack([p - half, p + half], dim=-1)


def _centred_on_the_measurement(correct, total):
    p = correct / total
    half = 1.96 * (p * (1 - p) / total + 1.96**2 / (4 * total**2)).sqrt() / (1 + 1.96**2 / total)
    return torch.stack([p - half, p + half], dim=-1)


q9 = FunctionExercise(
    9, solution=wilson_interval, expected_by=_wilson_from_stats, cases=_wilson_cases, random_case=_wilson_random,
    tensor_ops_only=True,
    mistakes=[(_wald_interval, "that is the textbook interval, the measured accuracy ± 1.96 standard errors "
                               "taken at the measured accuracy (Wald's); Wilson's takes the standard error at "
                               "the candidate p, so p appears on both sides of the inequality"),
              (_centred_on_the_measurement, "its width is right, but Wilson's interval is not centred on the "
                                            "measured accuracy: the quadratic's two roots lie around another point")],
    hints=["Write p̂ for `correct / total`. Squaring both sides gives (p̂ - p)² ≤ z² p(1 - p) / n: a quadratic "
           "inequality in p, which holds between the quadratic's two roots.",
           "Collected, it is (1 + z²/n) p² - (2p̂ + z²/n) p + p̂² ≤ 0. Its roots are centre ± half with "
           "centre = (p̂ + z²/(2n)) / (1 + z²/n).",
           "half = z √(p̂(1 - p̂)/n + z²/(4n²)) / (1 + z²/n); return "
           "`torch.stack([centre - half, centre + half], dim=-1)`."],
    why="Solving (p̂ - p)² ≤ z² p(1 - p)/n for p gives an interval centred not on p̂ but pulled towards ½ by "
        "z²/(2n), whose width stays positive at p̂ = 1: a perfect score is compatible with true accuracies "
        "below 100%. "
        "utils.stats.accuracy_interval computes the same formula, with z to full precision.")


# ------------------------------------------------------------------------------------------------ 10


q10 = ChoiceExercise(
    10, choices="abcd", correct_choice="b", answer_name="paired_prediction",
    explanations={
        "a": "overlapping intervals of two accuracies do not make their difference within the noise: both rules "
             "are scored on the same 7s, and the paired comparison looks at the 7s on which they disagree. "
             "Which way do those go?",
        "b": "every 7 on which the two rules disagree is one that L1 gets right and RMSE calls 3 (RMSE asks for "
             "less 3-evidence): a split that one-sided is far from a fair coin's, although the two intervals "
             "overlap",
        "c": "RMSE is better on the 3s and on all images together, but on the 7s look at which rule is right "
             "where they disagree: RMSE's lower threshold calls more images 3",
        "d": "compare_paired needs two correctness vectors over the same images, and the 7s alone are such a "
             "set",
    },
    hints=["The paired comparison counts the 7s that only RMSE gets right and the 7s that only L1 gets right. "
           "Which rule says \"3\" more readily, and what does saying \"3\" do to a 7?",
           "All of the rules' disagreements are images that RMSE calls 3 and L1 calls 7. On a 7, which of the two "
           "is then right? Is a split in which one side wins every disagreement a fair coin's?"],
    why="Whether two intervals overlap is a blunt test: each interval carries the noise of which 7s were drawn, "
        "which the two rules share. On the same 7s, every disagreement goes L1's way, and the paired comparison "
        "finds that beyond the noise.")
