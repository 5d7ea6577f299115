"""Reading what a chapter published with ``glue_number``/``glue_text``: from a stored notebook, or from the
glue cache of this build (myst-nb's ``_build/jupyter_execute/<chapter>.glue.json``). One reader for the
Results page, the tests, the nbval plugin, the benchmark and the Colab check. Imports no torch."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

GLUE_MIME = "application/papermill.record/text/plain"
Glued = dict[str, float | str]


def parse_glued(text: str | list[str]) -> float | str:
    """A glued value from its stored text: a number for ``glue_number``, a string for ``glue_text``."""
    text = "".join(text) if isinstance(text, list) else text
    try:
        return float(text)
    except ValueError:
        value = ast.literal_eval(text)  # glue stores a string as its repr
        if not isinstance(value, str):
            raise ValueError(f"a glued value is a number or a string, got {text!r}") from None
        return value


def glued_from_outputs(cells: list[Mapping[str, Any]]) -> Glued:
    """Every glued value in the outputs of a notebook's cells, by name."""
    values = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in output.get("data", {}):
                values[name] = parse_glued(output["data"][GLUE_MIME])
    return values


def read_glued(notebook: str | Path) -> Glued:
    """What a stored notebook published, by name."""
    return glued_from_outputs(json.loads(Path(notebook).read_text())["cells"])


def read_build_glue(folder: Path, docname: str) -> Glued:
    """What a chapter published in this build: myst-nb's glue cache ``<folder>/<docname>.glue.json``
    (``folder`` is ``_build/jupyter_execute``); empty when the chapter has not been executed."""
    cache = folder / f"{docname}.glue.json"
    data = json.loads(cache.read_text()) if cache.is_file() else {}
    return {name: parse_glued(entry.get("data", {}).get("text/plain", "''")) for name, entry in data.items()}
