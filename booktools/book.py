"""A Sphinx extension for the book, enabled in ``_config.yml``.

* It marks the build as a compared run (``utils.seeding.mark_compared_run``, inherited by the kernels
  that execute the chapters), so a plain ``jupyter-book build .`` hides progress bars and stores slider
  frames exactly like ``make book``.
* Under each chapter's title, a note says what the chapter needs and how long its code ran: the
  datasets from ``course.yml``, the run time from myst-nb's execution record of this build.
* The ``{course-results}`` directive becomes the Results table: every headline number of
  ``course.yml``, its value as glued by this build's execution of its chapter, and the status of its
  rule computed from that same value.
* What a rebuild must redo, decided here for ``make book`` and a plain build alike: before the build it
  runs ``booktools/vendor.sh``, which lays out the site's JavaScript (MathJax, the widget manager; npm,
  pinned by ``package-lock.json``) unless it is current, and stops with that script's message when it
  cannot; a new front end makes every page be written again. When the helpers the chapters import
  (``utils/``) or the requirements changed (``code_key``), cached executions are dropped and every
  chapter executes again.
* After the build it serves the front end (Sphinx skips static files when no page changed) and fails the
  build if any page would load a file from another host.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from booktools.course import Headline, Notebook, load_course, notebooks
from booktools.glue import read_build_glue
from booktools.site import foreign_loads
from utils.seeding import mark_compared_run

MEETS, BEHIND, MISSING = "meets", "behind", "not published"


COLAB_REPORT = Path("_build") / "colab-check.json"  # written by `make colab-check` (booktools/colab_check.py)


def run_note(runtime_s: float, datasets: list[str]) -> str:
    """The sentence shown under a chapter title."""
    data = ", ".join(datasets) if datasets else "none"
    return (f"To run this chapter: Python with the course requirements, a CPU (a GPU is used when present); "
            f"datasets: {data}. When this page was built, its code ran in {runtime_s:.0f} s.")


def notebook_key(path: Path) -> str:
    """A hash of a stored notebook, so that a report about it is recognised as current, or not."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def colab_note(report: dict[str, Any], stem: str, notebook: str, code: str) -> str | None:
    """What the Colab check found for this chapter, when its report is about this very notebook and these
    helpers; otherwise nothing (the note says nothing rather than guess)."""
    entry = report.get("chapters", {}).get(stem)
    if not entry or entry.get("notebook_key") != notebook or report.get("code_key") != code:
        return None
    versions = report.get("versions", {})
    stack = ", ".join(f"{name} {versions[name]}" for name in ("python", "torch", "fastai") if name in versions)
    verdict = ("every cell ran, nothing reached stderr, and every output agreed with this page within its "
               "tolerance" if entry.get("ok") else "it did NOT pass (see the Colab check's report)")
    return f"Run on Colab's software stack ({stack}) when this book was built: {verdict}."


def differ_note(chapter: Notebook, values: dict[str, Any]) -> str | None:
    """Where a rerun's headline numbers land (course.yml's reproduce): the answer to "my numbers differ"."""
    ranges = [f"{h.quantity.split(',')[0] if len(h.quantity) > 60 else h.quantity}: "
              f"{values[h.glue]:.4f} ± {float(h.reproduce):g}"
              for h in chapter.headlines if not isinstance(h.reproduce, str) and isinstance(values.get(h.glue), float)]
    if not ranges:
        return None
    return ("If your numbers differ from the page: results of training move a little with the processor, its "
            "number of cores, the software's versions and the seed. A run elsewhere lands within these ranges, "
            "which the book's tests hold every rerun to: " + "; ".join(ranges) + ".")


def dataset_titles(chapter: Notebook) -> list[str]:
    """The names readers know a chapter's datasets by."""
    from utils.data.catalog import DATASETS

    return [DATASETS[name].title for name in chapter.datasets]


def issue_link(repository_url: str, chapter: Notebook) -> str | None:
    """A new-issue link on the repository's problem form (.github/ISSUE_TEMPLATE/problem.yml), with the chapter
    filled in."""
    if not repository_url.startswith("https://github.com/"):
        return None
    return (f"{repository_url.rstrip('/')}/issues/new?template=problem.yml&chapter={chapter.stem}"
            f"&title=%5B{chapter.stem}%5D%20")


def _chapter_for(docname: str) -> Notebook | None:
    return next((c for c in notebooks() if c.file == docname), None)


def _add_run_note(app: Any, doctree: nodes.document, docname: str) -> None:
    from myst_nb.sphinx_ import NbMetadataCollector

    chapter = _chapter_for(docname)
    data = NbMetadataCollector.get_exec_data(app.env, docname)
    if chapter is None or not data or data.get("runtime") is None or not data.get("succeeded"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    root = Path(app.srcdir)
    report = json.loads((root / COLAB_REPORT).read_text()) if (root / COLAB_REPORT).is_file() else {}
    values = read_build_glue(Path(app.env.mystnb_config.output_folder), chapter.file)
    sentences = [run_note(data["runtime"], dataset_titles(chapter)),
                 colab_note(report, chapter.stem, notebook_key(chapter.path), code_key(root)),
                 differ_note(chapter, values)]
    paragraphs = [nodes.paragraph(text=text) for text in sentences if text]
    issue = issue_link(app.config.html_theme_options.get("repository_url", ""), chapter)
    if issue:
        paragraphs.append(nodes.paragraph("", "", nodes.reference("", "Report a problem with this chapter",
                                                                  refuri=issue)))
    note = nodes.admonition("", nodes.title(text="Running this chapter"), *paragraphs,
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


# ----------------------------------------------------------------------------- what a rebuild must redo

FRONT_END = Path("_build") / "site-static"  # what booktools/vendor.sh lays out; _config.yml serves it as _static/
CODE_STAMP = Path("_build") / ".code-key"


def code_key(root: Path) -> str:
    """A hash of what the chapters import from this checkout (utils/) and of the pinned requirements: when it
    changes, every cached execution of a chapter is stale (jupyter-cache sees only the notebook's own code)."""
    digest = hashlib.sha256((root / "requirements.txt").read_bytes())
    for path in sorted((root / "utils").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _prepare_build(app: Any, config: Any = None) -> None:
    """Before Sphinx reads anything: lay out the front end (booktools/vendor.sh decides whether it is current),
    forget executions made with other helpers, and drop the execution reports of an earlier failed build.
    On config-inited, before Sphinx checks that html_static_path exists: a fresh clone's plain
    `jupyter-book build . -W` then finds _build/site-static already laid out."""
    root = Path(app.srcdir)
    done = subprocess.run(["bash", str(root / "booktools" / "vendor.sh")], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise ExtensionError(f"the site's JavaScript could not be installed:\n{done.stderr or done.stdout}")
    redo = "laid out" in done.stdout  # the pages must be written again: their script tags carry checksums
    stamp, key = root / CODE_STAMP, code_key(root)
    if not stamp.is_file() or stamp.read_text().strip() != key:
        for stale in ("_build/.jupyter_cache", "_build/jupyter_execute"):
            shutil.rmtree(root / stale, ignore_errors=True)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(key + "\n")
        redo = True  # every chapter executes again, so every page is read again
    shutil.rmtree(Path(app.outdir) / "reports", ignore_errors=True)
    app.course_redo_every_page = redo


def _every_page_if_needed(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    # a new Colab check report changes every chapter's run note
    report = Path(app.srcdir) / COLAB_REPORT
    colab = hashlib.sha256(report.read_bytes()).hexdigest() if report.is_file() else ""
    if getattr(env, "course_colab_report", None) != colab:
        env.course_colab_report = colab
        app.course_redo_every_page = True
    return sorted(env.found_docs - added - changed) if getattr(app, "course_redo_every_page", False) else []


def _finish_site(app: Any, exception: Exception | None) -> None:
    """After a good build: serve the front end (Sphinx skips static files when no page changed), and fail the
    build if any page would load a file from another host (a reader offline or behind a firewall would miss it)."""
    if exception is not None:
        return
    source, served = Path(app.srcdir) / FRONT_END, Path(app.outdir) / "_static"
    if source.is_dir() and served.is_dir():
        shutil.copytree(source, served, dirs_exist_ok=True)
    if app.builder.format == "html" and (foreign := foreign_loads(Path(app.outdir))):
        raise ExtensionError("pages load files from another host (mathjax_path and nb_ipywidgets_js in _config.yml "
                             "must point at _static/npm/, filled by booktools/vendor.sh):\n" + "\n".join(foreign))


def setup(app: Any) -> dict[str, Any]:
    # Kernels started by the build inherit this: no progress bars, every slider frame stored.
    mark_compared_run()
    app.add_node(results_placeholder)
    app.add_directive("course-results", CourseResultsDirective)
    app.add_post_transform(FillResultsTable)
    app.connect("doctree-resolved", _add_run_note)
    app.connect("config-inited", _prepare_build)
    app.connect("env-get-outdated", _every_page_if_needed)
    app.connect("build-finished", _finish_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "3"}
