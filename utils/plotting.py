"""Small plotting helpers: one image, a grid of images, and a function over an interval.

They draw with matplotlib and return ``None`` (pass ``ax`` to draw into your own figure), so a
chapter cell shows the picture and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch


def _to_numpy_image(image: Any) -> np.ndarray:
    """An image as a (H, W) or (H, W, C) NumPy array; accepts tensors (CHW or HW), arrays and PIL images."""
    if isinstance(image, torch.Tensor):
        array = image.detach().cpu().numpy()
        if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
            array = array.transpose(1, 2, 0)  # torch keeps channels first, matplotlib wants them last
    else:
        array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"show_image needs a 2-D (H, W) or 3-D (C, H, W) / (H, W, C) image, got shape {tuple(array.shape)}. "
            f"For a batch of images use show_images."
        )
    return array


def show_image(image: Any, title: str | None = None, ax: Any = None, cmap: str = "Greys",
               size: float = 2.5, vmin: float | None = None, vmax: float | None = None) -> None:
    """Show one image (tensor, array or PIL image) with an optional title.

    Grey images are stretched to their own range unless ``vmin``/``vmax`` fix the scale.
    """
    import matplotlib.pyplot as plt

    array = _to_numpy_image(image)
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size))
    ax.imshow(array, cmap=cmap if array.ndim == 2 else None, vmin=vmin, vmax=vmax)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(str(title))


def show_images(images: Sequence[Any], titles: Sequence[Any] | None = None, nrows: int | None = None,
                ncols: int | None = None, cmap: str = "Greys", size: float = 1.6,
                vmin: float | None = None, vmax: float | None = None) -> None:
    """Show images in a grid, each with its title; rows and columns are chosen when not given."""
    import matplotlib.pyplot as plt

    n = len(images)
    if n == 0:
        raise ValueError("show_images needs at least one image.")
    if titles is not None and len(titles) != n:
        raise ValueError(f"show_images got {n} images but {len(titles)} titles; pass one title per image.")
    if ncols is None:
        ncols = min(n, 8) if nrows is None else math.ceil(n / nrows)
    if nrows is None:
        nrows = math.ceil(n / ncols)
    if nrows < 1 or ncols < 1 or nrows * ncols < n:
        raise ValueError(f"A {nrows}x{ncols} grid cannot hold {n} images; raise nrows or ncols.")
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.1), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < n:
            show_image(images[i], None if titles is None else titles[i], ax=ax, cmap=cmap, vmin=vmin, vmax=vmax)
        else:
            ax.set_axis_off()
    fig.tight_layout()


def plot_function(f: Callable[[torch.Tensor], torch.Tensor], xmin: float = -2.0, xmax: float = 2.0,
                  steps: int = 100, title: str | None = None, ax: Any = None, label: str | None = None,
                  ylim: tuple[float, float] | None = None, **plot_kwargs: Any) -> None:
    """Plot ``f`` over ``[xmin, xmax]``; ``f`` takes and returns a tensor."""
    import matplotlib.pyplot as plt

    if not xmin < xmax:
        raise ValueError(f"plot_function needs xmin < xmax, got xmin={xmin}, xmax={xmax}.")
    if steps < 2:
        raise ValueError(f"plot_function needs at least 2 steps, got {steps}.")
    x = torch.linspace(xmin, xmax, steps)
    with torch.no_grad():
        y = f(x)
    y = torch.as_tensor(y)
    if y.shape != x.shape:
        raise ValueError(f"f must return one value per x (shape {tuple(x.shape)}), got shape {tuple(y.shape)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3))
    ax.plot(x.numpy(), y.detach().cpu().numpy(), label=label, **plot_kwargs)
    if title is not None:
        ax.set_title(title)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if label is not None:
        ax.legend()


def pixel_table(pixels: Any, digits: int = 0) -> Any:
    """A small 2-D array as an HTML table, each cell shaded from white (the smallest value) to black (the
    largest), for a notebook page.

    The number in a cell is drawn in black on light cells and in white on dark ones, so it stays readable
    (a contrast of at least 4.5:1). Returns an ``IPython.display.HTML`` object, the same on every run.
    """
    from IPython.display import HTML

    array = pixels.detach().cpu().numpy() if isinstance(pixels, torch.Tensor) else np.asarray(pixels)
    if array.ndim != 2:
        raise ValueError(f"pixel_table needs a 2-D array, got shape {tuple(array.shape)}.")
    if array.size > 40 * 40:
        raise ValueError(f"pixel_table is for small patches (at most 40x40), got {array.shape}; slice it first.")
    low, high = float(array.min()), float(array.max())
    span = (high - low) or 1.0
    rows = []
    for r, line in enumerate(array):
        cells = [f'<th scope="row">{r}</th>']
        for value in line:
            grey = round(255 * (1 - (float(value) - low) / span))  # 255 = white for the smallest value
            ink = "#000" if grey >= 119 else "#fff"  # from 119 up black text has 4.5:1, below it white
            cells.append(f'<td style="background:rgb({grey},{grey},{grey});color:{ink}">{value:.{digits}f}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "<tr><th></th>" + "".join(f'<th scope="col">{c}</th>' for c in range(array.shape[1])) + "</tr>"
    style = "font-size:7pt;border-collapse:collapse;text-align:center;line-height:1.1"
    return HTML(f'<table class="pixel-table" style="{style}"><thead>{header}</thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')
