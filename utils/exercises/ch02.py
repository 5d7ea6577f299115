"""Chapter 2, Broadcasting: the checkable exercises (``from utils.exercises import ch02 as ex``).

* ``q1``: predict the shape of seven broadcasts, or that they fail (a value: the dict ``shapes``).
* ``q3``: standardize the columns of a table (a function, tensor operations only).
* ``q4``: the distances from every image to every pattern (a function, tensor operations only).
* ``q5``: which write into an expanded tensor fails (a prediction: the letter ``prediction``).
* ``q6``: a batch of matrix products from broadcasting and ``sum`` (a function, tensor operations only).
* ``q7``: the memory of ``matmul_broadcast``'s temporary, as a formula (a function of the sizes).
* ``q8``: a classifier's accuracy for every threshold at once (a function, tensor operations only).
"""

from __future__ import annotations

import torch

from utils.exercises.base import Case, ChoiceExercise, FunctionExercise, ValueExercise, shape_checks

# ------------------------------------------------------------------------------------------------ 1


PAIRS = {"a": ((2, 3), (3,)), "b": ((2, 3), (2,)), "c": ((2, 1), (1, 3)), "d": ((4, 1, 3), (5, 1)),
         "e": ((3,), (3, 1)), "f": ((6, 1), (6,)), "g": ((6, 6), (6,))}


def _broadcast_or_fails(shape_a, shape_b):
    try:
        return tuple(torch.broadcast_shapes(shape_a, shape_b))
    except RuntimeError:
        return "fails"


def _shapes():
    return {part: _broadcast_or_fails(*pair) for part, pair in PAIRS.items()}


_PART_MESSAGES = {
    "a": "write the two shapes one under the other, aligned on the right, and compare them axis by axis",
    "b": "aligned on the right, which two sizes meet on the last axis?",
    "c": "a unit axis is stretched to the other size, and that can happen on both sides at once",
    "d": "the shorter shape is missing an axis on the left, and a missing axis counts as 1",
    "e": "(3,) behaves like (1, 3) here; what do a (1, 3) and a (3, 1) give?",
    "f": "this is the predictions-and-targets trap of the chapter: (6,) behaves like (1, 6)",
    "g": "aligned on the right, the 6 of the vector meets the last axis of the matrix",
}

q1 = ValueExercise(
    1, expected=_shapes, answer_name="shapes",
    checks=shape_checks("pair", _PART_MESSAGES, fails="a pair that does not broadcast"),
    hints=["Write the two shapes one under the other, aligned on the right, and go from the last axis to the "
           "first: each pair of sizes must be equal, or one of them 1, or one of them missing.",
           "A missing axis counts as 1, and on each axis the result takes the size that is not 1. So (3,) with "
           "(3, 1) is (1, 3) with (3, 1): both are stretched.",
           "Check your reasoning with the chapter's `broadcast_result(shape_a, shape_b)` (or "
           "`torch.broadcast_shapes`), but only after you have written down your own answer."],
    solution='''shapes = {
    "a": (2, 3),  # the vector lines up with the last axis and is stretched over the rows
    "b": "fails",  # aligned on the right, the 2 meets the 3 (a column (2, 1) would work)
    "c": (2, 3),  # both unit axes are stretched
    "d": (4, 5, 3),  # 3 meets 1, 1 meets 5, and 4 meets a missing axis
    "e": (3, 3),  # (3,) counts as (1, 3): an outer sum, every element with every element
    "f": (6, 6),  # the trap of predictions (n, 1) against targets (n,)
    "g": (6, 6),  # the vector is added to every row
}
ex.q1.check()''',
    why="Shapes are aligned on the right and a missing axis counts as 1, so a vector always behaves like a row: "
        "against a column (n, 1) it gives an (n, n) table, with no error to warn you.")


# ------------------------------------------------------------------------------------------------ 3


def standardize(data):
    """Each column minus its mean, divided by its standard deviation: (rows, columns) -> same shape."""
    return (data - data.mean(dim=0)) / data.std(dim=0)


def _standardize_cases():
    g = torch.Generator().manual_seed(3)
    scales = torch.tensor([1.0, 10.0, 100.0])
    return [Case((torch.randn(6, 3, generator=g) * scales,), "a table of 6 rows and 3 columns"),
            Case((torch.randn(4, 4, generator=g) * 5 - 2,), "a square table of 4 by 4"),
            Case((torch.randn(5, 1, generator=g) * 3 + 7,), "a table of a single column"),
            Case((-torch.rand(3, 5, generator=g) * 100,), "a table of 3 rows, all values negative")]


def _standardize_random():
    rows, columns = torch.randint(3, 12, (2,)).tolist()
    return Case((torch.randn(rows, columns) * (torch.rand(columns) + 0.5) * 20 + torch.randn(columns) * 10,),
                f"a random table of {rows} rows and {columns} columns")


q3 = FunctionExercise(
    3, solution=standardize, cases=_standardize_cases, random_case=_standardize_random, tensor_ops_only=True,
    hints=["`data.mean(dim=0)` reduces over the rows: it has one value per column. Which axis of `data` does "
           "it line up with?",
           "A (rows, columns) table and a (columns,) vector align on the right, so the vector is stretched over "
           "the rows: exactly one value per column, as wanted.",
           "`(data - data.mean(dim=0)) / data.std(dim=0)`, without changing `data` itself."],
    why="`data.mean(dim=0)` and `data.std(dim=0)` have shape (columns,), which aligns on the right with "
        "(rows, columns): one mean and one spread per column, stretched over the rows. For each row instead "
        "you would need (rows, 1), with `keepdim=True` or `[:, None]`.")


# ------------------------------------------------------------------------------------------------ 4


def distances(images, patterns):
    """Euclidean distance from every image (n, pixels) to every pattern (m, pixels): shape (n, m)."""
    differences = images[:, None, :] - patterns[None, :, :]  # (n, 1, p) with (1, m, p) -> (n, m, p)
    return (differences**2).sum(dim=-1).sqrt()


def _distance_cases():
    g = torch.Generator().manual_seed(4)
    return [Case((torch.rand(6, 4, generator=g), torch.rand(3, 4, generator=g)), "6 images and 3 patterns"),
            Case((torch.rand(1, 5, generator=g), torch.rand(2, 5, generator=g)), "a single image and 2 patterns"),
            Case((torch.randn(3, 7, generator=g), torch.randn(3, 7, generator=g)),
                 "3 images and 3 patterns with negative values"),
            Case((torch.rand(2, 3, generator=g), torch.rand(1, 3, generator=g)), "2 images and a single pattern")]


def _distance_random():
    n, m, p = torch.randint(1, 9, (3,)).tolist()
    return Case((torch.randn(n, p), torch.randn(m, p)), f"{n} random images and {m} patterns of {p} pixels")


q4 = FunctionExercise(
    4, solution=distances, cases=_distance_cases, random_case=_distance_random, tensor_ops_only=True,
    hints=["Give each index its own axis: image i, pattern j, pixel k. Which shapes must the images and the "
           "patterns have so that their difference holds every image minus every pattern?",
           "`images[:, None, :]` is (n, 1, pixels) and `patterns[None, :, :]` is (1, m, pixels): their "
           "difference is (n, m, pixels). Then square, sum over the pixel axis, and take the square root.",
           "`((images[:, None, :] - patterns[None, :, :]) ** 2).sum(dim=-1).sqrt()`"],
    why="(n, 1, pixels) minus (1, m, pixels) broadcasts to (n, m, pixels), every image minus every pattern; "
        "summing the squares over the last axis leaves the (n, m) table, and `argmin(dim=1)` of it picks each "
        "image's nearest pattern.")


# ------------------------------------------------------------------------------------------------ 5


q5 = ChoiceExercise(
    5, choices="abcd", correct_choice="c", answer_name="prediction",
    explanations={
        "a": "a single element has a memory location of its own, so that write goes through; it changes the "
             "copy of feature_shift, and both rows show it",
        "b": "a whole row: its four elements are four different memory locations, so that write goes through "
             "(and the other row, which is the same memory, shows it too)",
        "c": "the column's two elements are one and the same memory location, and PyTorch refuses a write "
             "whose target contains two elements that share a location",
        "d": "`view * 2` writes nothing into `view`: its result is a new tensor with memory of its own",
    },
    hints=["Both rows of `view` are the same four numbers in memory (stride 0 on the first axis). For each "
           "line, ask which elements of `view` it writes into, and where those elements live in memory.",
           "PyTorch refuses a write only when two of the elements written share one memory location. A single "
           "element, or a single row, never contains such a pair; does a column?"],
    why="A column of `view` is two elements at one memory location, so `view[:, 3] = 0.0` is refused; a single "
        "element or a whole row has distinct locations and is written (changing both rows at once), and "
        "`view * 2` writes into a new tensor.")


# ------------------------------------------------------------------------------------------------ 6


def batched_matmul(A, B):
    """A batch of matrix products from one broadcast and one sum: (b, n, k) and (b, k, m) -> (b, n, m)."""
    # (b, n, k, 1) * (b, 1, k, m) -> (b, n, k, m), then sum over k
    return (A[:, :, :, None] * B[:, None, :, :]).sum(dim=2)


def _batched_cases():
    g = torch.Generator().manual_seed(6)
    return [Case((torch.randn(8, 5, 4, generator=g), torch.randn(8, 4, 2, generator=g)),
                 "a batch of 8 products (5, 4) @ (4, 2)"),
            Case((torch.randn(1, 3, 2, generator=g), torch.randn(1, 2, 4, generator=g)),
                 "a batch of one product (3, 2) @ (2, 4)"),
            Case((torch.randn(2, 3, 3, generator=g), torch.randn(2, 3, 3, generator=g)),
                 "a batch of 2 square products (3, 3) @ (3, 3)"),
            Case((torch.randn(3, 4, 1, generator=g), torch.randn(3, 1, 5, generator=g)),
                 "a batch of 3 products (4, 1) @ (1, 5), a shared axis of size 1")]


def _batched_random():
    b, n, k, m = torch.randint(1, 7, (4,)).tolist()
    return Case((torch.randn(b, n, k), torch.randn(b, k, m)), f"a random batch of {b} products ({n}, {k}) @ ({k}, {m})")


q6 = FunctionExercise(
    6, solution=batched_matmul, cases=_batched_cases, random_case=_batched_random, tensor_ops_only=True,
    hints=["It is the chapter's `matmul_broadcast` with one more leading axis, the batch, which both operands "
           "share: nothing is stretched along it.",
           "Give each index its own axis: batch b, row i, shared index k, column j. A becomes (b, n, k, 1), "
           "B becomes (b, 1, k, m); then sum over the axis of k.",
           "`(A[:, :, :, None] * B[:, None, :, :]).sum(dim=2)`"],
    why="The batch axis is equal in both operands, so it is carried along; the products of every row with "
        "every column sit in a (b, n, k, m) tensor, and summing over k gives (b, n, m). With negative axes, "
        "`(A[..., :, :, None] * B[..., None, :, :]).sum(dim=-2)` works for any number of batch axes.")


# ------------------------------------------------------------------------------------------------ 7


def temporary_bytes(n, k, m):
    """Bytes of matmul_broadcast's temporary for an (n, k) @ (k, m) product of float32 matrices."""
    return n * k * m * 4  # one product A[i, k] * B[k, j] per (i, k, j), 4 bytes each


def _bytes_cases():
    return [Case((2, 3, 4), "a (2, 3) @ (3, 4) product"),
            Case((200, 300, 100), "the chapter's (200, 300) @ (300, 100) product"),
            Case((1, 5, 1), "a row times a column, (1, 5) @ (5, 1)"),
            Case((1000, 1000, 1000), "two 1000 by 1000 matrices")]


def _bytes_random():
    n, k, m = torch.randint(1, 500, (3,)).tolist()
    return Case((n, k, m), f"a random ({n}, {k}) @ ({k}, {m}) product")


q7 = FunctionExercise(
    7, solution=temporary_bytes, cases=_bytes_cases, random_case=_bytes_random,
    mistakes=[(lambda n, k, m: n * k * m, "that counts the numbers; the question asks for bytes (each float32 "
                                           "number takes 4)"),
              (lambda n, k, m: n * m * 4, "that is the size of the result, (n, m); the temporary keeps every "
                                          "product before the sum"),
              (lambda n, k, m: n * k * m * 32, "that counts bits; a byte is 8 of them")],
    hints=["`matmul_broadcast` stores `A[:, :, None] * B[None, :, :]` before it sums. What is the shape of that "
           "tensor, and how many numbers does it hold?",
           "Its shape is (n, k, m): one product for every row i, shared index k and column j. Each float32 "
           "number takes 4 bytes (`torch.float32.itemsize`).",
           "`n * k * m * 4`"],
    why="The temporary holds every product A[i, k] * B[k, j], n * k * m numbers of 4 bytes: for two 1000 by "
        "1000 matrices that is 4 GB, while the result needs only 4 MB.")


# ------------------------------------------------------------------------------------------------ 8


def accuracy_per_threshold(prob, is_three, thresholds):
    """For each threshold, the share of digits classified right when "3" means prob above that threshold."""
    said = prob > thresholds[:, None]  # (n,) with (t, 1) -> (t, n): one row per threshold
    return (said == is_three.bool()).float().mean(dim=1)  # (t,)


_PROB_THREE = [0.92, 0.15, 0.61, 0.48, 0.07, 0.83, 0.55, 0.30]  # the chapter's eight digits
_IS_THREE = [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0]


def _threshold_cases():
    prob, truth = torch.tensor(_PROB_THREE), torch.tensor(_IS_THREE)
    return [Case((prob, truth, torch.arange(101) / 100), "the chapter's eight digits and 101 thresholds"),
            Case((prob, truth, torch.linspace(0.1, 0.9, 8)), "the chapter's eight digits and 8 thresholds"),
            Case((torch.tensor([0.7]), torch.tensor([0.0]), torch.tensor([0.2, 0.9])),
                 "a single digit and 2 thresholds"),
            Case((prob, truth, torch.tensor([0.55])), "a single threshold equal to one of the probabilities")]


def _threshold_random():
    n, t = torch.randint(1, 12, (2,)).tolist()
    return Case((torch.rand(n), torch.randint(0, 2, (n,)).float(), torch.rand(t)),
                f"{n} random digits and {t} thresholds")


q8 = FunctionExercise(
    8, solution=accuracy_per_threshold, cases=_threshold_cases, random_case=_threshold_random,
    tensor_ops_only=True,
    hints=["Make a table with one row per threshold and one column per digit: which shape must `thresholds` "
           "have so that `prob > thresholds` gives it?",
           "`thresholds[:, None]` is a column (t, 1); against the row `prob` (n,) it broadcasts to (t, n). "
           "Compare that table with the truth, then average each row.",
           "`((prob > thresholds[:, None]) == is_three.bool()).float().mean(dim=1)`"],
    why="A column of t thresholds against a row of n probabilities broadcasts to a (t, n) table of answers; "
        "comparing it with the truth (a row, stretched over the t rows) and averaging each row gives t "
        "accuracies in one line.")
