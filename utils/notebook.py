"""The first code cell of every chapter: quiet known library noise, seed, and pick the device."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch

from utils.device import get_device
from utils.seeding import set_seed

# Deprecation notices printed by the libraries themselves, not by chapter code. They would land
# in the stored outputs as stderr (which nbval compares and the site shows), so each one is
# silenced by its exact message; any other warning still shows.
KNOWN_LIBRARY_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    (FutureWarning, r"`torch\.jit\.script` is deprecated"),
)


def quiet_known_library_warnings() -> None:
    """Silence only the library deprecation notices listed in ``KNOWN_LIBRARY_WARNINGS``."""
    for category, message in KNOWN_LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)


def setup_chapter(seed: int = 42) -> torch.device:
    """Prepare a chapter: silence known library noise, seed everything, return the device to use."""
    quiet_known_library_warnings()
    set_seed(seed)
    import matplotlib

    matplotlib.rcParams.update({"figure.dpi": 80, "image.cmap": "Greys"})
    return get_device()


def glue_number(name: str, value: float, digits: int = 4) -> float:
    """Publish a headline number under ``name`` (rounded) for the book's ``{glue:}`` references.

    The number is stored in the notebook without being shown. Outside the book build (in Colab,
    where myst-nb is not installed) nothing is stored. Returns the rounded value.
    """
    if not name.isidentifier():
        raise ValueError(f"glue names must be identifiers like 'valid_accuracy', got {name!r}.")
    rounded = round(float(value), digits)
    try:
        from myst_nb import glue
    except ImportError:
        return rounded
    glue(name, rounded, display=False)
    return rounded


GLUE_MIME = "application/papermill.record/text/plain"


def read_glued(notebook_path: str | Path) -> dict[str, float]:
    """The numbers a stored notebook published with :func:`glue_number`, by name."""
    cells = json.loads(Path(notebook_path).read_text())["cells"]
    values = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in output.get("data", {}):
                values[name] = float(output["data"][GLUE_MIME])
    return values


def glue_text(name: str, text: str) -> str:
    """Publish a short string under ``name`` for ``{glue:text}`` references (stored, not shown)."""
    if not name.isidentifier():
        raise ValueError(f"glue names must be identifiers like 'status_accuracy', got {name!r}.")
    try:
        from myst_nb import glue
    except ImportError:
        return text
    glue(name, text, display=False)
    return text
