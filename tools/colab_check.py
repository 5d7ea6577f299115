"""Run every chapter top to bottom in a kernel of Colab's software stack, as a learner's "Run all" would.

`make colab-check` builds the environment (Python 3.13 and requirements-colab.txt, the versions of
Google's published Colab GPU runtime) and calls this script with its interpreter. The executor runs
here, in the main environment; only the kernel is Colab's. For each chapter it checks:

* no cell fails (a cell tagged ``raises-exception`` may);
* nothing reaches stderr (what a learner would see as warnings), except the allow-list below;
* every headline number of course.yml is within its stated tolerance of the stored one
  (``reproduce``: exact, a tolerance, or only its rule: a timing, a rounding error), and meets its rule.

The first cell of each chapter, the Colab cell, runs too: ``COURSE_HELPERS_FROM`` points its install
line at this checkout instead of GitHub, so the helpers are installed with pip as in Colab.
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from utils.course import Chapter, Headline, load_course  # noqa: E402
from utils.notebook import read_glued  # noqa: E402

# stderr lines a learner may see in Colab that we accept, each with its reason. Keep this short.
STDERR_ALLOWED: tuple[tuple[str, str], ...] = (
    # pip's notice when the helpers are installed into a running kernel (Colab prints it too)
    (r"^\s*$", "blank lines between pip's messages"),
)
HELPERS_ENV = "COURSE_HELPERS_FROM"
KERNEL_NAME = "colab-check"
READ_PUBLISHED = "import json\nfrom utils.notebook import published\nprint(json.dumps(published()))"


@dataclass
class ChapterResult:
    stem: str
    seconds: float = 0.0
    error: str | None = None
    stderr: list[str] = field(default_factory=list)
    headlines: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.stderr and all(h["ok"] for h in self.headlines)


def unexpected_stderr(text: str) -> list[str]:
    """The lines of ``text`` (a cell's stderr) that no entry of ``STDERR_ALLOWED`` accepts."""
    return [line for line in text.splitlines()
            if not any(re.search(pattern, line) for pattern, _ in STDERR_ALLOWED)]


def compare_headline(headline: Headline, stored: dict, observed: dict) -> dict:
    """One headline: the stored and the observed value, and whether they agree as course.yml says."""
    value, before = observed.get(headline.glue), stored.get(headline.glue)
    row = {"glue": headline.glue, "stored": before, "observed": value, "reproduce": headline.reproduce}
    if not isinstance(value, float):
        return {**row, "ok": False, "why": "not published"}
    if not headline.meets(observed):
        return {**row, "ok": False, "why": f"misses its rule {headline.rule_text()}"}
    if headline.reproduce == "rule":
        return {**row, "ok": True, "why": "its rule only"}
    tolerance = 0.5 * 10 ** -headline.decimals if headline.reproduce == "exact" else float(headline.reproduce)
    if before is None or abs(value - before) > tolerance:
        return {**row, "ok": False, "why": f"differs from the stored value by more than {tolerance:g}"}
    return {**row, "ok": True, "why": f"within {tolerance:g}"}


def _kernel_spec(folder: Path, python: str) -> None:
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Colab's stack", "language": "python"}))


def run_chapter(chapter: Chapter, workdir: Path) -> ChapterResult:
    """Execute one chapter in the Colab kernel, in ``workdir``; collect time, errors, stderr, numbers."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    result = ChapterResult(chapter.stem)
    nb = nbformat.read(chapter.path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(READ_PUBLISHED))
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=1800, skip_cells_with_tag="colab-check-skip",
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
    stored = read_glued(chapter.path)
    result.headlines = [compare_headline(h, stored, observed) for h in chapter.headlines]
    return result


def report(results: list[ChapterResult], python_version: str) -> str:
    lines = [f"# Colab check ({python_version})", "",
             "| chapter | run time (s) | error | stderr lines | headline numbers (stored → Colab stack) |",
             "|---|---:|---|---:|---|"]
    for r in results:
        numbers = "; ".join(f"{h['glue']}: {h['stored']} → {h['observed']} ({'ok' if h['ok'] else 'FAIL'}, "
                            f"{h['why']})" for h in r.headlines) or "none"
        lines.append(f"| {r.stem} | {r.seconds:.1f} | {r.error or 'none'} | {len(r.stderr)} | {numbers} |")
    for r in results:
        for line in r.stderr:
            lines.append(f"\n{r.stem}, unexpected stderr: `{line}`")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="the interpreter of the Colab-like environment")
    parser.add_argument("--only", nargs="*", help="chapter file names, without .ipynb; default all")
    parser.add_argument("--report", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args()
    version = subprocess.run([args.python, "-c", "import sys, torch, fastai, ipywidgets; print("
                              "f'Python {sys.version.split()[0]}, torch {torch.__version__}, fastai "
                              "{fastai.__version__}, ipywidgets {ipywidgets.__version__}')"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # The helpers must come from the first cell's pip install, not from an earlier run.
    subprocess.run([args.python, "-m", "pip", "uninstall", "-q", "-y", "dl-course-utils"], check=True,
                   capture_output=True)
    chapters = [c for c in load_course() if not args.only or c.stem in args.only]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _kernel_spec(folder / "jupyter", args.python)
        os.environ["JUPYTER_PATH"] = str(folder / "jupyter")
        os.environ[HELPERS_ENV] = ROOT.as_uri()
        os.environ.update(PIP_ROOT_USER_ACTION="ignore", PIP_DISABLE_PIP_VERSION_CHECK="1",
                          PYDEVD_DISABLE_FILE_VALIDATION="1")  # the kernel's debugger, on Python 3.13
        for name in ("COURSE_REPRODUCIBLE", "PYTHONPATH"):  # a learner's run: all cores, bars, no checkout
            os.environ.pop(name, None)
        for chapter in chapters:
            print(f"{chapter.stem} ...", flush=True)
            results.append(run_chapter(chapter, folder))
            r = results[-1]
            print(f"  {r.seconds:.1f} s, {'ok' if r.ok else 'FAILED'}", flush=True)
    text = report(results, version)
    print(text)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
