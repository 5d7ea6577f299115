"""Typical wrong answers to chapter 1's checkable exercises (utils.exercises.ch01), each with a fragment of the
message its check must give (tests/test_exercises.py asserts it)."""

import torch


# q4: the bottom half of an image's rows, as an independent copy
def bottom_half_view(image):
    return image[image.shape[0] // 2 :]  # a view: painting it paints the image


def bottom_half_top(image):
    return image[: image.shape[0] // 2].clone()


def bottom_half_fixed_14(image):
    return image[14:].clone()  # right for MNIST, wrong for any other height


def bottom_half_in_place(image):
    image[: image.shape[0] // 2] = 0  # "clears" the top half of the image itself
    return image[image.shape[0] // 2 :].clone()


# q5: the inkiest row and column
def inkiest_swapped(image):
    return image.mean(0).argmax().item(), image.mean(1).argmax().item()


def inkiest_values(image):
    return image.mean(1).max().item(), image.mean(0).max().item()


def inkiest_pixel(image):
    return image.argmax().item()


def inkiest_loop(image):
    sums = [row.sum() for row in image]
    return max(range(len(sums)), key=lambda i: sums[i]), image.mean(0).argmax().item()


# q9: the mean value of each image's inked pixels
def shade_average_ink(images):
    return images.mean((-2, -1))


def shade_inked_share(images):
    return (images > 0).float().mean((-2, -1))


def shade_of_everything(images):
    return images[images > 0].mean()  # one number for the whole stack


def shade_upside_down(images):
    return (images > 0).sum((-2, -1)) / images.sum((-2, -1))


# q11: the gradient of ((p - t) ** 2).mean() by hand
def grad_without_mean(p, t):
    return 2 * (p - t)


def grad_without_two(p, t):
    return (p - t) / p.numel()


def grad_wrong_sign(p, t):
    return 2 * (t - p) / p.numel()


def grad_of_the_score(p, t):
    return t


# q12: crop to the inked box
def crop_one_short(image):
    rows = (image > 0).any(dim=1).nonzero()[:, 0]
    cols = (image > 0).any(dim=0).nonzero()[:, 0]
    return image[rows.min() : rows.max(), cols.min() : cols.max()]


def crop_axes_swapped(image):
    rows = (image > 0).any(dim=0).nonzero()[:, 0]
    cols = (image > 0).any(dim=1).nonzero()[:, 0]
    return image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def crop_fixed_box(image):
    return image[5:25, 5:21]  # the box of the chapter's example_three


def crop_no_return(image):
    rows = (image > 0).any(dim=1).nonzero()[:, 0]
    cols = (image > 0).any(dim=0).nonzero()[:, 0]
    image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


MISTAKES = {
    2: [
        ([(84, 28), (3, 28, 28), (28, 84), (200, 28), (200,), (200, 28)], "shape 1 is not right yet"),
        ([(3, 28, 28), (84, 28), (28, 84), (200, 28, 28), (200,), (200, 28)], "shape 4 is not right yet"),
        ([(3, 28, 28), (84, 28), (28, 84), (200, 28), (200, 784), (200, 28)], "shape 5 is not right yet"),
        ([(3, 28, 28), (84, 28), (28, 84), (200, 28), (200,), (200, 1, 28)], "shape 6 is not right yet"),
        ([(3, 28, 28), (84, 28), (28, 84), (200, 28), 200, (200, 28)], "write each shape as a tuple"),
        ([(3, 28, 28), (84, 28), (28, 84)], "a list of six shapes"),
    ],
    3: [
        ("a", "does not widen the type"),
        ("c", "a Python float brings a kind"),
        ("d", "raises no error"),
        ("e", "answer with one of"),
    ],
    4: [
        (bottom_half_view, "shares memory with argument 1 (it is a view)"),
        (bottom_half_top, "that is the top half"),
        (bottom_half_fixed_14, "it returns shape (0, 10) where (3, 10) is expected"),
        (bottom_half_in_place, "changes its input (argument 1) in place"),
    ],
    5: [
        (inkiest_swapped, "row and column are swapped"),
        (inkiest_values, "not where they are"),
        (inkiest_pixel, "the single darkest pixel"),
        (inkiest_loop, "uses a Python loop"),
    ],
    8: [
        ([torch.int64, torch.uint8, torch.int64, torch.float32], "dtype 1 is not right yet"),
        ([torch.float32, torch.int64, torch.int64, torch.float32], "dtype 2 is not right yet"),
        ([torch.float32, torch.uint8, torch.uint8, torch.float32], "dtype 3 is not right yet"),
        ([torch.float32, torch.uint8, torch.int64, torch.float64], "dtype 4 is not right yet"),
        (["float32", "uint8", "int64", "float32"], "not a string"),
    ],
    9: [
        (shade_average_ink, "blank paper included"),
        (shade_inked_share, "the share of each image's pixels that are inked"),
        (shade_of_everything, "it returns shape () where (3,) is expected"),
        (shade_upside_down, "upside down"),
    ],
    10: [
        (torch.tensor([[-1, -1, 2], [3, -1, -1]]), "reading with advanced indexing copies"),
        (torch.tensor([[0, 1, 2], [3, -1, -1]]), "it gives a view"),
        (torch.tensor([[100, 1, 2], [3, -1, -1]]), "the last line runs after"),
        (torch.tensor([[100, 1, 2], [3, 4, 5]]), "a mask on the left of `=` writes"),
        ([[-1, 1, 2], [3, -1, -1]], "write `final_t` as a tensor"),
    ],
    11: [
        (grad_without_mean, "constant factor: about 6 times too large"),
        (grad_without_two, "constant factor: about 0.5 times too small"),
        (grad_wrong_sign, "sign is the wrong way round"),
        (grad_of_the_score, "the gradient of the score"),
    ],
    12: [
        (crop_one_short, "one row and one column short"),
        (crop_axes_swapped, "rows and columns are swapped"),
        (crop_fixed_box, "it returns shape (1, 4) where (3, 5) is expected"),
        (crop_no_return, "it returns None"),
    ],
}
