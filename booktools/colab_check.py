"""Run every chapter top to bottom in a kernel of Colab's software stack, as a learner's "Run all" would.

`make colab-check` builds the environment (Python 3.13 and requirements-colab.txt, the versions of
Google's published Colab GPU runtime) and calls this module with its interpreter. The executor runs
here, in the main environment; only the kernel is Colab's. For each chapter it checks:

* no cell fails;
* nothing reaches stderr (what a learner would see as warnings), except the allow-list below;
* every output agrees with the stored one as nbval's check has it (``booktools.outputs``: text exactly,
  numbers within the tolerance their cell declares); every headline number is within ``course.yml``'s
  ``reproduce`` of the stored one and meets its rule.

The kernel runs as a learner's does (not a compared run): fastai's and tqdm's progress bars show, and the
slider figures redraw live (Colab's ipywidgets 7). Those outputs, and the glue outputs that only the book's
build stores (myst-nb is not in Colab), are left out of the comparison; the headline numbers are read from
the kernel (``utils.notebook.published``) instead.

The first cell of each chapter, the Colab cell, runs too: ``COURSE_HELPERS_FROM`` points its install
line at this checkout instead of GitHub, so the helpers are installed with pip as in Colab. The report
(Markdown, and JSON for the book's run notes) says what ran, on which versions, and what differed; every
number that moved goes to ``colab-stack.jsonl`` in ``make variants``' format.

    python -m booktools.colab_check --python <Colab env's python> [--only STEM ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from booktools.book import COLAB_REPORT, code_key, notebook_key
from booktools.course import ROOT, Notebook, notebooks
from booktools.glue import GLUE_MIME, read_glued
from booktools.outputs import compare_outputs, parse_rules, sanitize

# stderr lines a learner may see in Colab that we accept, each with its reason. Keep this short.
STDERR_ALLOWED: tuple[tuple[str, str], ...] = (
    # pip's notice when the helpers are installed into a running kernel (Colab prints it too)
    (r"^\s*$", "blank lines between pip's messages"),
)
HELPERS_ENV = "COURSE_HELPERS_FROM"
KERNEL_NAME = "colab-check"
# Cells nbval does not compare are not compared here either (the Colab cell runs, but prints pip's output).
UNCOMPARED_TAGS = {"nbval-skip", "skip-execution", "nbval-ignore-output"}
READ_PUBLISHED = "import json\nfrom utils.notebook import published\nprint(json.dumps(published()))"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
REPORT = ROOT / COLAB_REPORT.with_suffix("")  # .md for people, .json for the book's run notes


@dataclass
class ChapterResult:
    stem: str
    seconds: float = 0.0
    error: str | None = None
    stderr: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)  # outputs beyond their tolerance
    compared_cells: int = 0
    headlines: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.error is None and not self.stderr and not self.differences
                and all(h["meets"] and h["close"] for h in self.headlines))


def unexpected_stderr(text: str) -> list[str]:
    """The lines of ``text`` (a cell's stderr) that no entry of ``STDERR_ALLOWED`` accepts."""
    return [line for line in text.splitlines()
            if not any(re.search(pattern, line) for pattern, _ in STDERR_ALLOWED)]


def headline_rows(chapter: Notebook, stored: dict, observed: dict) -> list[dict]:
    """Each headline: the stored and the observed value, whether the observed one is as close to the stored
    one as ``reproduce`` allows, and whether it meets its rule."""
    rows = []
    for h in chapter.headlines:
        value, before = observed.get(h.glue), stored.get(h.glue)
        number = isinstance(value, (int, float)) and isinstance(before, (int, float))
        close = number and h.rerun_rule(stored).allows(float(before), float(value))
        meets = number and h.meets({**observed, h.glue: float(value)})
        rows.append({"glue": h.glue, "stored": before, "observed": value, "reproduce": h.reproduce,
                     "close": bool(close), "meets": bool(meets), "rule": h.rule_text()})
    return rows


# What fastprogress shows in a learner's run: the bar, its style sheet, and the live table of epochs (with their
# times), which the stored run's fit_table replaces by a rounded table (fastprogress 1.0 and 1.1 both)
PROGRESS_MARKS = ("<progress", "progress::-webkit-progress-bar", 'class="fastprogress"')


def learner_outputs(outputs: list) -> list:
    """The outputs both runs make: without glue (only the book's build stores it), progress bars and widgets
    (a learner's run shows bars and live sliders, the stored run neither)."""
    kept = []
    for out in outputs:
        data = out.get("data", {})
        html = "".join(data.get("text/html", ""))
        if GLUE_MIME in data or WIDGET_MIME in data or any(mark in html for mark in PROGRESS_MARKS):
            continue
        kept.append(out)
    return kept


def compare_cells(chapter: Notebook, stored_cells: list, new_cells: list, deviations_file: Path | None) -> tuple[
        int, list[str]]:
    """Compare every compared code cell of a run with the stored notebook; (cells compared, differences)."""
    compared, differences = 0, []
    code = [(old, new) for old, new in zip(stored_cells, new_cells) if old.cell_type == "code"]
    for index, (old, new) in enumerate(code):
        if UNCOMPARED_TAGS & set(old.metadata.get("tags", [])):
            continue
        compared += 1
        result = compare_outputs(sanitize(learner_outputs(old.outputs)), sanitize(learner_outputs(new.outputs)),
                                 parse_rules(old.metadata))
        differences += [f"code cell {index}: {p}" for p in result.problems]
        if deviations_file and (result.problems or result.deviations):
            line = {"notebook": chapter.stem, "cell": index, "problems": list(result.problems),
                    "deviations": [{"stored": d.stored.text, "new": d.new.text, "distance": d.distance,
                                    "rule": d.rule.describe(), "allowed": d.allowed} for d in result.deviations]}
            with deviations_file.open("a") as f:
                f.write(json.dumps(line) + "\n")
    return compared, differences


def run_chapter(chapter: Notebook, workdir: Path, deviations_file: Path | None = None) -> ChapterResult:
    """Execute one chapter in the Colab kernel, in ``workdir``; collect time, errors, stderr, differences."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    result = ChapterResult(chapter.stem)
    stored = nbformat.read(chapter.path, as_version=4)
    nb = nbformat.read(chapter.path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(READ_PUBLISHED))
    # Colab's "Run all" ignores tags: the Colab cell (tagged skip-execution for the book's build) runs and
    # installs the helpers, so nbclient must not skip it (its default skips that tag)
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=1800, skip_cells_with_tag="",
                            resources={"metadata": {"path": str(workdir)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        result.error = str(err).splitlines()[-1] if str(err) else "a cell failed"
    result.seconds = time.perf_counter() - start
    for cell in nb.cells[:-1]:
        for out in cell.get("outputs", []):
            if out.get("name") == "stderr":
                result.stderr += unexpected_stderr(out["text"])
    observed = {}
    for out in nb.cells[-1].get("outputs", []):
        if out.get("name") == "stdout":
            observed = json.loads(out["text"].strip().splitlines()[-1])
    result.compared_cells, result.differences = compare_cells(chapter, stored.cells, nb.cells[:-1], deviations_file)
    result.headlines = headline_rows(chapter, read_glued(chapter.path), observed)
    return result


def report(results: list[ChapterResult], versions: str) -> str:
    lines = [f"# Colab check ({versions})", "",
             "| chapter | run time (s) | error | stderr lines | cells compared | beyond tolerance |"
             " headline numbers (stored → Colab stack) |", "|---|---:|---|---:|---:|---:|---|"]
    for r in results:
        numbers = "; ".join(f"{h['glue']}: {h['stored']} → {h['observed']} ("
                            f"{'within' if h['close'] else 'NOT within'} {h['reproduce']}, "
                            f"{'meets' if h['meets'] else 'MISSES'} {h['rule']})" for h in r.headlines) or "none"
        lines.append(f"| {r.stem} | {r.seconds:.1f} | {r.error or 'none'} | {len(r.stderr)} | {r.compared_cells} | "
                     f"{len(r.differences)} | {numbers} |")
    for r in results:
        lines += [f"\n{r.stem}, unexpected stderr: `{line}`" for line in r.stderr]
        lines += [f"\n{r.stem}, {difference}" for difference in r.differences]
    return "\n".join(lines) + "\n"


def versions_of(python: str) -> dict[str, str]:
    code = ("import json, sys, torch, fastai, ipywidgets; print(json.dumps({'python': sys.version.split()[0], "
            "'torch': torch.__version__, 'fastai': fastai.__version__, 'ipywidgets': ipywidgets.__version__}))")
    return json.loads(subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout)


def _kernel_spec(folder: Path, python: str) -> None:
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab's stack", "language": "python"}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="the interpreter of the Colab-like environment")
    parser.add_argument("--only", nargs="*", help="chapter file names, without .ipynb; default all")
    parser.add_argument("--deviations", type=Path, help="write every number that moved here (JSON lines)")
    args = parser.parse_args()
    versions = versions_of(args.python)
    described = ", ".join(f"{name} {version}" for name, version in versions.items())
    # The helpers must come from the first cell's pip install, not from an earlier run.
    subprocess.run([args.python, "-m", "pip", "uninstall", "-q", "-y", "dl-course-utils"], check=True,
                   capture_output=True)
    chapters = [n for n in notebooks() if not args.only or n.stem in args.only]
    if args.deviations:
        args.deviations.parent.mkdir(parents=True, exist_ok=True)
        args.deviations.unlink(missing_ok=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _kernel_spec(folder / "jupyter", args.python)
        os.environ["JUPYTER_PATH"] = str(folder / "jupyter")
        os.environ[HELPERS_ENV] = ROOT.as_uri()
        os.environ.update(PIP_ROOT_USER_ACTION="ignore", PIP_DISABLE_PIP_VERSION_CHECK="1",
                          PYDEVD_DISABLE_FILE_VALIDATION="1")  # the kernel's debugger, on Python 3.13
        os.environ.pop("PYTHONPATH", None)  # a learner's kernel: the helpers come from pip, not the checkout
        for chapter in chapters:
            print(f"{chapter.stem} ...", flush=True)
            results.append(run_chapter(chapter, folder, args.deviations))
            r = results[-1]
            print(f"  {r.seconds:.1f} s, {'ok' if r.ok else 'FAILED'}", flush=True)
    text = report(results, described)
    print(text)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.with_suffix(".md").write_text(text)
    keys = {c.stem: notebook_key(c.path) for c in chapters}  # what the report is about: the book's run notes
    REPORT.with_suffix(".json").write_text(json.dumps(
        {"versions": versions, "date": time.strftime("%Y-%m-%d"), "code_key": code_key(ROOT),
         "chapters": {r.stem: {**asdict(r), "ok": r.ok, "notebook_key": keys[r.stem]} for r in results}},
        indent=1) + "\n")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
