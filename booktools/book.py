"""A Sphinx extension for the book, enabled in ``_config.yml``.

* It marks the build as a compared run (``utils.seeding.mark_compared_run``, inherited by the kernels
  that execute the chapters), so a plain ``jupyter-book build .`` pins threads and the math libraries'
  code paths and hides progress bars exactly like ``make book``.
* Under each chapter's title, a note says what the chapter needs and how long its code ran: the
  datasets from ``course.yml``, the run time from myst-nb's execution record of this build.
* The ``{course-results}`` directive becomes the Results table: every headline number of
  ``course.yml``, its value as glued by this build's execution of its chapter, and the status of its
  rule computed from that same value.
* The site's JavaScript (MathJax, the widget manager) is served by the site itself: before the build it
  runs ``tools/vendor.sh`` when the files are missing or the lockfile changed (npm, pinned by
  ``package-lock.json``), and stops with that script's message when it cannot; after the build it makes
  sure the served copy is there (Sphinx skips static files when no page changed).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from booktools.course import Chapter, Headline, load_course
from booktools.glue import read_build_glue
from utils.seeding import mark_compared_run

MEETS, BEHIND, MISSING = "meets", "behind", "not published"


def run_note(runtime_s: float, datasets: list[str]) -> str:
    """The sentence shown under a chapter title."""
    data = ", ".join(datasets) if datasets else "none"
    return (f"To run this chapter: Python with the course requirements, a CPU (a GPU is used when present); "
            f"datasets: {data}. When this page was built, its code ran in {runtime_s:.0f} s.")


def dataset_titles(chapter: Chapter) -> list[str]:
    """The names readers know a chapter's datasets by."""
    from utils.data.catalog import DATASETS

    return [DATASETS[name].title for name in chapter.datasets]


def _chapter_for(docname: str) -> Chapter | None:
    return next((c for c in load_course() if c.file == docname), None)


def _add_run_note(app: Any, doctree: nodes.document, docname: str) -> None:
    from myst_nb.sphinx_ import NbMetadataCollector

    chapter = _chapter_for(docname)
    data = NbMetadataCollector.get_exec_data(app.env, docname)
    if chapter is None or not data or data.get("runtime") is None or not data.get("succeeded"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    note = nodes.admonition("", nodes.title(text="Running this chapter"),
                            nodes.paragraph(text=run_note(data["runtime"], dataset_titles(chapter))),
                            classes=["chapter-run-note", "tip"])
    title_index = next((i for i, n in enumerate(section.children) if isinstance(n, nodes.title)), 0)
    section.insert(title_index + 1, note)


# ----------------------------------------------------------------------------- the Results table


def status(headline: Headline, values: dict[str, Any]) -> str:
    """A headline's status on the Results page, from one chapter's glued values."""
    needed = [headline.glue] + ([headline.reference] if isinstance(headline.reference, str) else [])
    if any(not isinstance(values.get(name), float) for name in needed):
        return MISSING
    return MEETS if headline.meets(values) else BEHIND


def format_value(value: float) -> str:
    """A headline number as the Results page shows it: 4 decimals, or a whole number from 100 on."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4f}"


def results_rows(values_by_chapter: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """One row per headline number: chapter, quantity, value, rule, source and status."""
    rows = []
    for chapter in load_course():
        values = values_by_chapter.get(chapter.stem, {})
        for h in chapter.headlines:
            value = values.get(h.glue)
            rows.append({"chapter": chapter.stem, "number": str(chapter.number), "quantity": h.quantity,
                         "value": format_value(value) if isinstance(value, float) else "—",
                         "rule": h.rule_text(), "source": h.source, "status": status(h, values)})
    return rows


class results_placeholder(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """Where the Results table goes, once every chapter has been executed."""


class CourseResultsDirective(SphinxDirective):
    """``{course-results}``: the table of every headline number (filled in after all pages are read)."""

    def run(self) -> list[nodes.Node]:
        return [results_placeholder()]


def _cell(content: nodes.Node | str) -> nodes.entry:
    return nodes.entry("", nodes.paragraph("", "", content if isinstance(content, nodes.Node) else nodes.Text(content)))


class FillResultsTable(SphinxPostTransform):
    """Replace each results placeholder by the table, from this build's glued values."""

    default_priority = 4  # before the references of the new links are resolved

    def run(self, **kwargs: Any) -> None:
        placeholders = list(self.document.findall(results_placeholder))
        if not placeholders:
            return
        folder = Path(self.env.mystnb_config.output_folder)
        values = {c.stem: read_build_glue(folder, c.file) for c in load_course()}
        rows = results_rows(values)
        met = sum(r["status"] == MEETS for r in rows)
        headers = ["Ch.", "Quantity", "This build", "Rule and source", "Status"]
        table = nodes.table(classes=["course-results"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        group.extend(nodes.colspec(colwidth=1) for _ in headers)
        group += nodes.thead("", nodes.row("", *(_cell(h) for h in headers)))
        body = nodes.tbody()
        for row in rows:
            target = self.app.builder.get_relative_uri(self.env.docname, f"chapters/{row['chapter']}")
            link = nodes.reference("", row["number"], internal=True, refuri=target)
            rule = [nodes.paragraph(text=row["rule"]), nodes.paragraph(text=row["source"], classes=["results-source"])]
            status = nodes.strong(text=row["status"]) if row["status"] != MEETS else nodes.Text(row["status"])
            body += nodes.row("", _cell(link), _cell(row["quantity"]), _cell(nodes.literal(text=row["value"])),
                              nodes.entry("", *rule), _cell(status))
        group += body
        summary = nodes.paragraph(text=f"{met} of {len(rows)} headline numbers meet their rule in this build.")
        for placeholder in placeholders:
            placeholder.replace_self([summary.deepcopy(), table.deepcopy()])


# ----------------------------------------------------------------------------- the site's own JavaScript

FRONT_END = Path("_build") / "site-static"  # what tools/vendor.sh lays out; _config.yml serves it as _static/


def _front_end_current(root: Path) -> bool:
    lock, installed = root / "package-lock.json", root / "_build" / "npm" / "package-lock.json"
    return (root / FRONT_END / "npm").is_dir() and installed.is_file() and lock.read_bytes() == installed.read_bytes()


def _vendor_front_end(app: Any, config: Any = None) -> None:
    # On config-inited, before Sphinx checks that html_static_path exists: a fresh clone's plain
    # `jupyter-book build . -W` then finds _build/site-static already laid out.
    root = Path(app.srcdir)
    script = root / "tools" / "vendor.sh"
    if not script.is_file() or _front_end_current(root):
        return
    done = subprocess.run(["bash", str(script)], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise ExtensionError(f"the site's JavaScript could not be installed:\n{done.stderr or done.stdout}")


def _serve_front_end(app: Any, exception: Exception | None) -> None:
    source, served = Path(app.srcdir) / FRONT_END, Path(app.outdir) / "_static"
    if exception is None and source.is_dir() and served.is_dir():
        shutil.copytree(source, served, dirs_exist_ok=True)


def setup(app: Any) -> dict[str, Any]:
    # Kernels started by the build inherit this: pinned threads and code paths, no progress bars.
    mark_compared_run()
    app.add_node(results_placeholder)
    app.add_directive("course-results", CourseResultsDirective)
    app.add_post_transform(FillResultsTable)
    app.connect("doctree-resolved", _add_run_note)
    app.connect("config-inited", _vendor_front_end)
    app.connect("build-finished", _serve_front_end)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
