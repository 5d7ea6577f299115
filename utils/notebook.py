"""The first code cell of every chapter (quiet known noise, seed, pick the device), and what chapters
publish for the book (headline numbers) or show on purpose (an expected error)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from utils.device import device_name, get_device
from utils.seeding import chapter_threads, set_seed

# Warnings that chapter code cannot act on. They would land in the stored outputs as stderr (which
# nbval compares and the site shows), so each one is silenced by its exact message; any other warning
# still shows. The test suite applies the same list (see conftest.py).
KNOWN_LIBRARY_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    # a deprecation notice that torch prints from inside fastai and torchvision, not from our code
    (FutureWarning, r"`torch\.jit\.script` is deprecated"),
    # on CUDA, set_seed asks for deterministic kernels with warn_only=True; a few backward kernels
    # (the adaptive pooling in fastai's resnet head) have none, and torch warns on first use. The run
    # is correct; only its last digits may vary from one GPU run to the next, as the chapters say.
    (UserWarning, r".*does not have a deterministic implementation, but you set "
                  r"'torch\.use_deterministic_algorithms\(True, warn_only=True\)'"),
)


def quiet_known_library_warnings() -> None:
    """Silence only the warnings listed in ``KNOWN_LIBRARY_WARNINGS``."""
    for category, message in KNOWN_LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)


def use_book_figure_style() -> None:
    """Figures as the book shows them: grey images, an opaque white background that stays readable in
    dark mode, and (in a notebook) PNGs at twice the pixel density, sharp on high-density screens."""
    import matplotlib

    matplotlib.rcParams.update({"figure.dpi": 80, "image.cmap": "Greys", "figure.facecolor": "white",
                                "savefig.facecolor": "white", "axes.facecolor": "white"})
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def setup_chapter(seed: int = 42) -> torch.device:
    """Prepare a chapter: silence known noise, seed everything, pick the device; say what was chosen.

    torch uses every core (``COURSE_THREADS`` sets another count). Numbers that come out of training
    depend on the thread count and the CPU's kernels, so they may differ a little from the page; each
    chapter says by how much.
    """
    quiet_known_library_warnings()
    set_seed(seed, threads=chapter_threads())
    use_book_figure_style()
    device = get_device()
    threads = torch.get_num_threads()
    print(f"Device: {device_name(device)}, {threads} CPU thread{'s' * (threads != 1)} (trained results may differ "
          "slightly from the book's; see \"Running this chapter\" on its page)")
    return device


@contextmanager
def expect_error(*kinds: type[BaseException]) -> Iterator[None]:
    """Run a block that should fail, and print the error's type and message instead of stopping.

    A notebook run with "Run all" (Colab ignores cell tags) goes on past the demonstration. If the
    block raises nothing, or an error of another kind than ``kinds``, that is a real problem: it raises.
    """
    expected = kinds or (Exception,)
    try:
        yield
    except expected as err:
        print(f"{type(err).__name__}: {err}")
    else:
        names = ", ".join(k.__name__ for k in expected)
        raise AssertionError(f"expected the block to raise {names}, but it ran without error")


# What this kernel published, by name (read by `make colab-check`, where myst-nb is not installed).
_PUBLISHED: dict[str, float | str] = {}


def published() -> dict[str, float | str]:
    """Every value this kernel published with :func:`glue_number` or :func:`glue_text` so far."""
    return dict(_PUBLISHED)


def _publish(name: str, value: float | str) -> None:
    """Record ``value`` under ``name`` for this kernel, and store it in the notebook for the book (with myst-nb's
    ``glue``, not shown). In Colab, where myst-nb is not installed, nothing is stored and nothing shows."""
    if not name.isidentifier():
        raise ValueError(f"glue names must be identifiers like 'valid_accuracy', got {name!r}.")
    _PUBLISHED[name] = value
    try:
        from myst_nb import glue
    except ImportError:
        return
    glue(name, value, display=False)


def glue_number(name: str, value: float, digits: int = 4) -> float:
    """Publish a headline number under ``name``, rounded to ``digits`` decimals; returns the rounded value."""
    rounded = round(float(value), digits)
    _publish(name, rounded)
    return rounded


def glue_text(name: str, text: str) -> str:
    """Publish a short string under ``name`` for ``{glue:text}`` references; returns it."""
    _publish(name, text)
    return text
