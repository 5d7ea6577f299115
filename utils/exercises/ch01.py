"""Checkable exercises of chapter 1, "Tensors" (see :mod:`utils.exercises`)::

    from utils.exercises import ch01 as ex
    ex.q4.check(bottom_half)   # a function exercise: pass the function
    ex.q3.check()              # a prediction: reads the variable the exercise names (here `prediction`)
    ex.q4.hint(); ex.q4.solution()

The exercises: q2 predict six shapes, q3 predict uint8 wrap-around, q4 an independent bottom half, q5 the
inkiest row and column, q8 predict four dtypes, q9 the shade of each image's strokes, q10 views and copies,
q11 a gradient by hand against autograd, q12 crop to the inked box. Every case is built inside a function, from
small computed tensors: importing this module computes nothing.
"""

from __future__ import annotations

from typing import Any

import torch

from utils.exercises.base import (
    Case,
    ChoiceExercise,
    FunctionExercise,
    ValueExercise,
)

# ------------------------------------------------------------------------------------------------ helpers


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _item(answer: Any, i: int) -> Any:
    try:
        return answer[i]
    except Exception:
        return None


def _as_shape(value: Any) -> tuple[int, ...] | None:
    if not isinstance(value, tuple) or not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        return None
    return tuple(value)


# ------------------------------------------------------------------------------------ q2: predict shapes


def _shapes() -> list[tuple[int, ...]]:
    e, threes = torch.zeros(28, 28), torch.zeros(200, 28, 28)
    results = [torch.stack([e, e, e]), torch.cat([e, e, e]), torch.cat([e, e, e], dim=1), threes.mean(1),
               threes.view(len(threes), -1).mean(1), threes[:, 14]]
    return [tuple(r.shape) for r in results]


_SHAPE_NUDGES = [
    "`stack` piles the three images along a new axis",
    "`cat` joins along an axis that already exists (axis 0 unless told otherwise): no axis is added",
    "`dim=1` joins the images along their columns",
    "`mean(1)` removes axis 1 and keeps the others",
    "`view(len(threes), -1)` first turns each image into one row of pixels; then `mean(1)` removes that row",
    "a single number as an index removes its axis, `:` keeps the whole axis",
]

q2 = ValueExercise(
    2,
    answer_name="shapes",
    expected=_shapes,
    checks=[
        (lambda a, e: not isinstance(a, (list, tuple)) or len(a) != len(e),
         "give `shapes` as a list of six shapes, one per expression, in the order of the exercise"),
        (lambda a, e: any(_as_shape(s) is None for s in a),
         "write each shape as a tuple of whole numbers, like (28, 28) (a rank-1 shape is (n,), with its comma)"),
        *[(lambda a, e, i=i: _as_shape(a[i]) != e[i], f"shape {i + 1} is not right yet: {nudge}")
          for i, nudge in enumerate(_SHAPE_NUDGES)],
    ],
    hints=[
        "Two rules do most of the work: `stack` adds an axis and `cat` lengthens one; a reduction or a single-"
        "number index removes the axis it acts on.",
        "Write the shape you start from under each expression and change it one step at a time: for "
        "`threes.view(len(threes), -1)` that is (200, 28, 28) to (200, 784), then `.mean(1)`.",
        "Only expressions 1 and 3 keep all three images' numbers side by side in a new way: 1 gains an axis of "
        "length 3, 3 makes the columns three times as many.",
    ],
    solution=(
        "shapes = [\n"
        "    (3, 28, 28),  # stack: a new axis of length 3 in front\n"
        "    (84, 28),  # cat: the rows of three images, one after another\n"
        "    (28, 84),  # cat along dim=1: the images side by side\n"
        "    (200, 28),  # mean(1): the rows disappear, one column profile per image\n"
        "    (200,),  # one number per image: the average over its 784 pixels\n"
        "    (200, 28),  # row 14 of every image\n"
        "]\n"
    ),
    why="The axes a reduction or a single-number index acts on disappear from the shape; `stack` adds an axis and "
        "`cat` lengthens one that exists.",
)

# ------------------------------------------------------------------------- q3: predict uint8 wrap-around

q3 = ChoiceExercise(
    3,
    answer_name="prediction",
    choices=("a", "b", "c", "d"),
    correct_choice="b",
    explanations={
        "a": "adding two uint8 tensors gives a uint8 tensor: PyTorch does not widen the type to make room for the "
             "sum",
        "b": "uint8 + uint8 stays uint8, so 260 wraps around to 260 - 256 = 4; the Python float 10.0 brings the "
             "floating-point kind, so a + 10.0 is float32 and holds 260.",
        "c": "look again at the second line: a Python float brings a kind that uint8 lacks (floating point)",
        "d": "PyTorch raises no error when an integer result does not fit its type: it wraps around, silently",
    },
    hints=[
        "Two questions per line: which dtype does the result get, and does 260 fit in it?",
        "uint8 + uint8 is uint8 (0 to 255); a Python float next to an integer tensor brings the floating-point "
        "kind, and then the result is float32.",
    ],
    why="Type promotion decides the result's dtype before anything is computed: uint8 + uint8 stays uint8 and "
        "wraps around (modulo 256) without a warning, while a Python float makes the result float32.",
)

# ----------------------------------------------------------------------- q4: an independent bottom half


def bottom_half(image):
    """The bottom half of an image's rows, as a copy that is safe to modify."""
    return image[image.shape[0] // 2 :].clone()  # without .clone() it would be a view


def _bottom_half_cases() -> list[Case]:
    g = _generator(4)
    return [
        Case((torch.randint(0, 256, (28, 28), generator=g, dtype=torch.uint8),), "a 28 x 28 uint8 image"),
        Case((torch.rand(6, 10, generator=g),), "a 6 x 10 image (not square)"),
        Case((torch.rand(2, 3, generator=g),), "a 2 x 3 image (its bottom half is one row)"),
    ]


def _bottom_half_random() -> Case:
    rows, cols = 2 * int(torch.randint(1, 8, ())), int(torch.randint(1, 12, ()))
    return Case((torch.rand(rows, cols),), f"a random {rows} x {cols} image")


q4 = FunctionExercise(
    4,
    independent_of=1,
    solution=bottom_half,
    cases=_bottom_half_cases,
    random_case=_bottom_half_random,
    mistakes=[
        (lambda image: image[: image.shape[0] // 2].clone(),
         "that is the top half: row 0 is the top row, and the bottom half starts in the middle"),
        (lambda image: image[:, image.shape[1] // 2 :].clone(),
         "that is the right half: the first index picks rows, the second columns"),
    ],
    hints=[
        "Two steps: a slice of the rows from the middle to the end, then something that turns a view into an "
        "independent tensor.",
        "`image.shape[0] // 2` is the middle row (use `//`: a slice needs a whole number), and `.clone()` copies.",
        "`return image[image.shape[0] // 2 :].clone()`",
    ],
    why="A slice is a view that shares the image's memory, so writing into it would write into the image; "
        "`.clone()` gives the slice its own memory. `shape[0] // 2` works for any even number of rows.",
)

# --------------------------------------------------------------------- q5: the inkiest row and column


def inkiest_row_and_column(image):
    """The position of the row and of the column with the most ink, as two Python ints."""
    row = image.mean(1).argmax().item()  # mean(1): one value per row
    column = image.mean(0).argmax().item()  # mean(0): one value per column
    return row, column


def _inkiest_cases() -> list[Case]:
    g = _generator(5)
    return [
        Case((torch.rand(28, 28, generator=g),), "a 28 x 28 image"),
        Case((torch.rand(5, 9, generator=g),), "a 5 x 9 image (not square)"),
        Case((torch.rand(1, 7, generator=g),), "an image of a single row"),
    ]


def _inkiest_random() -> Case:
    rows, cols = int(torch.randint(2, 30, ())), int(torch.randint(2, 30, ()))
    return Case((torch.rand(rows, cols),), f"a random {rows} x {cols} image")


q5 = FunctionExercise(
    5,
    solution=inkiest_row_and_column,
    cases=_inkiest_cases,
    random_case=_inkiest_random,
    tensor_ops_only=True,
    mistakes=[
        (lambda image: (image.mean(0).argmax().item(), image.mean(1).argmax().item()),
         "row and column are swapped: `mean(0)` reduces over the rows, so it leaves one value per column"),
        (lambda image: (image.mean(1).max().item(), image.mean(0).max().item()),
         "it returns the largest amounts of ink, not where they are: `argmax` gives the position"),
        (lambda image: image.argmax().item(),
         "`image.argmax()` finds the single darkest pixel (as a position in the flattened image); the exercise "
         "asks for the row and the column with the most ink in total"),
    ],
    hints=[
        "Reduce over one axis to get one number per row (or per column), then ask for the position of the "
        "largest one.",
        "The axis you reduce over disappears: `image.mean(1)` has one value per row, `image.mean(0)` one per "
        "column. `argmax()` gives the position of the largest.",
        "`return image.mean(1).argmax().item(), image.mean(0).argmax().item()`",
    ],
    why="Averaging over axis 1 removes the columns and leaves a profile of the rows (and axis 0 the other way "
        "round); `argmax` gives the position of the profile's largest value.",
)

# --------------------------------------------------------------------------------- q8: predict dtypes


def _promotion_dtypes() -> list[torch.dtype]:
    return [
        (torch.tensor([2**24 + 1]) + torch.tensor([0.0])).dtype,
        (torch.tensor([200], dtype=torch.uint8) + torch.tensor(100)).dtype,
        (torch.tensor([200], dtype=torch.uint8) + torch.tensor([100])).dtype,
        (torch.tensor([0.5]) + torch.tensor(1, dtype=torch.float64)).dtype,
    ]


_DTYPE_NUDGES = [
    "an integer and a floating-point tensor, both with an axis: which kind wins, and which operand of that "
    "kind sets the width?",
    "the rank-0 tensor is an integer, like the uint8 tensor with an axis: does it bring a new kind?",
    "both operands have an axis here, so both take part in choosing the width",
    "both operands are floating point: does the rank-0 float64 bring a kind the tensor with an axis lacks?",
]

q8 = ValueExercise(
    8,
    answer_name="dtypes",
    expected=_promotion_dtypes,
    checks=[
        (lambda a, e: not isinstance(a, (list, tuple)) or len(a) != len(e),
         "give `dtypes` as a list of four dtypes, one per line, in order"),
        (lambda a, e: any(not isinstance(d, torch.dtype) for d in a),
         "write each one as a torch dtype, like torch.int64 (not a string)"),
        *[(lambda a, e, i=i: a[i] != e[i], f"dtype {i + 1} is not right yet: {nudge}")
          for i, nudge in enumerate(_DTYPE_NUDGES)],
    ],
    hints=[
        "Two steps each time: the result's kind is the highest among the operands (bool, integer, floating "
        "point); then its width comes from the operands of that kind, tensors with an axis first.",
        "A rank-0 tensor (like a Python number) sets the width only when no tensor with an axis has the "
        "winning kind.",
        "Lines 1 and 4 end up float32, line 2 keeps the uint8 tensor's type; in line 3 both operands have an "
        "axis.",
    ],
    solution="dtypes = [torch.float32, torch.uint8, torch.int64, torch.float32]\n",
    why="The kind comes from all operands, the width from the first tier that has that kind: tensors with an "
        "axis, then rank-0 tensors, then Python numbers. So a rank-0 tensor widens nothing when a tensor with an "
        "axis already has its kind.",
)

# --------------------------------------------------------------------- q9: the shade of the strokes


def stroke_shade(images):
    """For each image of a stack (n, height, width): the mean value of its inked pixels, shape (n,)."""
    inked = (images > 0).sum((-2, -1))  # how many pixels of each image are inked
    return images.sum((-2, -1)) / inked  # their total ink, shared among them


def _digit_like(n: int, rows: int, cols: int, g: torch.Generator | None = None) -> torch.Tensor:
    """n images with ink (values in (0, 1]) on about a fifth of the pixels, and at least one inked pixel each."""
    values = torch.rand(n, rows, cols, generator=g) * 0.9 + 0.1
    mask = torch.rand(n, rows, cols, generator=g) < 0.2
    mask[:, 0, 0] = True
    return values * mask


def _shade_cases() -> list[Case]:
    g = _generator(9)
    return [
        Case((_digit_like(3, 28, 28, g),), "three 28 x 28 images"),
        Case((_digit_like(1, 28, 28, g),), "a stack of one image"),
        Case((_digit_like(4, 5, 7, g),), "four 5 x 7 images (not square)"),
    ]


q9 = FunctionExercise(
    9,
    solution=stroke_shade,
    cases=_shade_cases,
    random_case=lambda: Case((_digit_like(int(torch.randint(2, 9, ())), 28, 28),), "a random stack of images"),
    tensor_ops_only=True,
    mistakes=[
        (lambda images: images.mean((-2, -1)),
         "that is each image's average ink over all its pixels, blank paper included; divide by the number of "
         "inked pixels instead"),
        (lambda images: (images > 0).float().mean((-2, -1)),
         "that is the share of each image's pixels that are inked; the exercise asks how dark they are"),
        (lambda images: (images > 0).sum((-2, -1)) / images.sum((-2, -1)),
         "the quotient is upside down: the total ink goes on top"),
    ],
    hints=[
        "Average ink divided by inked share is the total ink divided by the number of inked pixels. Compute "
        "both per image, by reducing over the last two axes.",
        "`(images > 0)` marks the inked pixels, and summing a boolean tensor counts its `True`s; "
        "`.sum((-2, -1))` leaves one number per image.",
        "`return images.sum((-2, -1)) / (images > 0).sum((-2, -1))`",
    ],
    why="Reducing over the last two axes leaves one number per image; the total ink divided by the number of "
        "inked pixels is the mean value of an inked pixel, which does not depend on how much of the square the "
        "digit covers.",
)

# --------------------------------------------------------------------------- q10: views and copies


def _final_t() -> torch.Tensor:
    t = torch.arange(6).view(2, 3)
    a, b, c = t[0], t[[0]], t[t > 3]
    a[0] = 100
    b[0, 1] = 100
    c[:] = 100
    t[t > 3] = -1
    return t


def _same(answer: Any, *rows: list[int]) -> bool:
    return isinstance(answer, torch.Tensor) and answer.shape == (2, 3) and answer.tolist() == list(rows)


q10 = ValueExercise(
    10,
    answer_name="final_t",
    expected=_final_t,
    checks=[
        (lambda a, e: not isinstance(a, torch.Tensor),
         "write `final_t` as a tensor, like torch.tensor([[0, 0, 0], [0, 0, 0]])"),
        (lambda a, e: _same(a, [-1, -1, 2], [3, -1, -1]),
         "`b` and `c` come from a list index and a mask: reading with advanced indexing copies, so writing into "
         "them leaves `t` alone"),
        (lambda a, e: _same(a, [0, 1, 2], [3, -1, -1]),
         "`a = t[0]` is a plain index: it gives a view, so `a[0] = 100` writes into `t`"),
        (lambda a, e: _same(a, [100, 1, 2], [3, -1, -1]),
         "the last line runs after `a[0] = 100`: every element of `t` above 3 at that moment becomes -1"),
        (lambda a, e: _same(a, [100, 1, 2], [3, 4, 5]),
         "a mask on the left of `=` writes into `t` itself: the last line changes it"),
    ],
    hints=[
        "Go through the lines one at a time and ask of each of `a`, `b` and `c`: view (shares `t`'s memory) or "
        "copy?",
        "A plain index or a slice gives a view; a list index or a mask gives a copy when reading. Writing with a "
        "mask on the left of `=` changes the tensor itself.",
        "Only `a[0] = 100` reaches `t` among the three writes; then the last line looks at `t` as it is by then.",
    ],
    solution="final_t = torch.tensor([[-1, 1, 2], [3, -1, -1]])\n",
    why="Only `a` is a view, so `a[0] = 100` is the one write of the three that changes `t`; the mask on the "
        "left of `=` in the last line then writes -1 into every element above 3, the 100 included.",
)

# ----------------------------------------------------------------- q11: a gradient by hand, against autograd


def distance_grad(p, t):
    """The gradient of ((p - t) ** 2).mean() with respect to p, by hand."""
    return 2 * (p - t) / p.numel()  # d/dp of (p - t)**2 is 2 (p - t); the mean divides by the count


def _distance_grad_by_autograd(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    p = p.detach().clone().requires_grad_()
    ((p - t) ** 2).mean().backward()
    return p.grad


def _distance_cases() -> list[Case]:
    g = _generator(11)
    return [
        Case((torch.randn(2, 3, generator=g), torch.randn(2, 3, generator=g)), "2 x 3 tensors (with negatives)"),
        Case((torch.rand(28, 28, generator=g), torch.rand(28, 28, generator=g)), "two 28 x 28 images"),
        Case((torch.randn(1, generator=g), torch.randn(1, generator=g)), "tensors of a single number"),
    ]


def _distance_random() -> Case:
    shape = (int(torch.randint(1, 6, ())), int(torch.randint(1, 6, ())))
    return Case((torch.randn(shape), torch.randn(shape)), f"random {shape[0]} x {shape[1]} tensors")


q11 = FunctionExercise(
    11,
    solution=distance_grad,
    expected_by=_distance_grad_by_autograd,
    cases=_distance_cases,
    random_case=_distance_random,
    tensor_ops_only=True,
    mistakes=[
        (lambda p, t: t, "that is the gradient of the score (p * t).sum(); here the loss is a mean of squared "
                         "differences"),
        (lambda p, t: (p - t) ** 2 / p.numel(), "it returns the loss's terms, not their derivative"),
    ],
    hints=[
        "The mean is a sum divided by the number of elements n, and each pixel p_ij appears in one term only: "
        "(p_ij - t_ij)**2 / n.",
        "The derivative of (p - t)**2 with respect to p is 2 (p - t); the 1/n stays. `p.numel()` is n.",
        "`return 2 * (p - t) / p.numel()`",
    ],
    why="Each pixel appears in one term of the mean, (p_ij - t_ij)**2 / n, whose derivative is 2 (p_ij - t_ij) "
        "/ n: the gradient points from the template towards the image, larger where they differ more.",
)

# ------------------------------------------------------------------------ q12: crop to the inked box


def crop_to_ink(image):
    """The smallest rectangle of an image that holds all its inked (non-zero) pixels."""
    has_ink = image > 0
    rows = has_ink.any(dim=1).nonzero()[:, 0]  # rows with at least one inked pixel
    cols = has_ink.any(dim=0).nonzero()[:, 0]
    return image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]  # a slice leaves out its end


def _crop_cases() -> list[Case]:
    block = torch.zeros(6, 9, dtype=torch.uint8)
    block[1:4, 2:7] = torch.arange(1, 16, dtype=torch.uint8).view(3, 5)
    block[2, 3] = 0  # a blank pixel inside the box stays
    dot = torch.zeros(5, 5)
    dot[3, 1] = 0.5
    full = torch.rand(4, 7, generator=_generator(12)) + 0.1
    corners = torch.zeros(7, 4)
    corners[0, 3], corners[6, 0] = 1.0, 0.25
    return [
        Case((block,), "a 6 x 9 uint8 image with its ink in rows 1 to 3"),
        Case((dot,), "an image with one inked pixel"),
        Case((full,), "an image inked everywhere (4 x 7)"),
        Case((corners,), "a 7 x 4 image inked in two opposite corners"),
    ]


def _crop(image: torch.Tensor, row_axis: int, extra: int) -> torch.Tensor:
    """crop_to_ink's typical mistakes: rows found with `any(dim=row_axis)`, slices ending `extra` past the ink."""
    rows = (image > 0).any(dim=row_axis).nonzero()[:, 0]
    cols = (image > 0).any(dim=1 - row_axis).nonzero()[:, 0]
    return image[rows.min() : rows.max() + extra, cols.min() : cols.max() + extra]


def _crop_random() -> Case:
    image = torch.zeros(int(torch.randint(3, 12, ())), int(torch.randint(3, 12, ())))
    r0, c0 = int(torch.randint(0, image.shape[0], ())), int(torch.randint(0, image.shape[1], ()))
    r1 = int(torch.randint(r0, image.shape[0], ()))
    c1 = int(torch.randint(c0, image.shape[1], ()))
    image[r0, c0], image[r1, c1] = 1.0, 0.5
    return Case((image,), f"a random {image.shape[0]} x {image.shape[1]} image")


q12 = FunctionExercise(
    12,
    solution=crop_to_ink,
    cases=_crop_cases,
    random_case=_crop_random,
    mistakes=[
        (lambda image: _crop(image, row_axis=1, extra=0),
         "it is one row and one column short: a slice leaves out its end, so end it one past the last inked row "
         "and column"),
        (lambda image: _crop(image, row_axis=0, extra=1),
         "rows and columns are swapped: `any(dim=1)` asks of each row whether any of its columns is inked"),
    ],
    hints=[
        "Find the first and last row that hold any ink, and the first and last column, then slice.",
        "`(image > 0).any(dim=1)` says for each row whether it holds ink; `.nonzero()[:, 0]` lists the positions "
        "that are `True`, and their `min()` and `max()` bound the ink.",
        "End each slice at `max() + 1`: a slice leaves out its end.",
    ],
    why="`any` over one axis reduces the image to one True/False per row (or column), `nonzero` turns those into "
        "positions, and a slice from the first to one past the last keeps exactly the inked box.",
)
