"""A Sphinx extension for the book: under each chapter's title, state what it needs and how long it ran.

Both facts are computed at build time: the run time from myst-nb's execution record for this build,
the datasets from the chapter's own ``prepare_dataset("...")`` calls. Enabled in ``_config.yml``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes

_DATASET_CALL = re.compile(r"""prepare_dataset\(\s*["']([\w-]+)["']""")
_DATASET_NAMES = {"mnist_sample": "MNIST_SAMPLE (fastai)", "MNIST": "MNIST (torchvision)", "cifar10": "CIFAR-10 (fastai)"}


def datasets_used(notebook: Path) -> list[str]:
    """Readable names of the datasets a notebook prepares, in first-use order."""
    cells = json.loads(notebook.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    seen = dict.fromkeys(_DATASET_CALL.findall(code))
    return [_DATASET_NAMES.get(name, name) for name in seen]


def run_note(runtime_s: float, datasets: list[str]) -> str:
    """The sentence shown under a chapter title."""
    data = ", ".join(datasets) if datasets else "none"
    return (f"To run this chapter: Python with the course requirements, a CPU (a GPU is used when present); "
            f"datasets: {data}. When this page was built, its code ran in {runtime_s:.0f} s.")


def _add_run_note(app: Any, doctree: nodes.document, docname: str) -> None:
    from myst_nb.sphinx_ import NbMetadataCollector

    data = NbMetadataCollector.get_exec_data(app.env, docname)
    if not data or data.get("runtime") is None or not data.get("succeeded"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    source = Path(app.env.doc2path(docname))
    note = nodes.admonition("", nodes.title(text="Running this chapter"),
                            nodes.paragraph(text=run_note(data["runtime"], datasets_used(source))),
                            classes=["chapter-run-note", "tip"])
    title_index = next((i for i, n in enumerate(section.children) if isinstance(n, nodes.title)), 0)
    section.insert(title_index + 1, note)


def setup(app: Any) -> dict[str, Any]:
    app.connect("doctree-resolved", _add_run_note)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
