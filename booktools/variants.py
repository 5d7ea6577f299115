"""Run the stored-output check under other thread counts and kernels, and say how far each number moved.

``make variants`` (whenever stored outputs change, and weekly in GitHub's scheduled workflow) runs nbval once
per variant below, each a way another machine differs from the one that stored the outputs, and passes only
if every run passes. Each run writes every number it saw printed differently (``--tolerance-report``); the
summary gives, per cell, the largest move of each number across all runs next to the tolerance the cell
declares: the measurement a tolerance is sized from (with a margin), and the check that it still holds.
``make colab-check`` writes the same kind of report for Colab's stack, which the summary includes when present.

    python -m booktools.variants [--variant NAME ...] [--only STEM ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from booktools.course import ROOT, notebooks

OUT = ROOT / "_build" / "variants"
# Each variant changes what another machine would: its core count, or the kernels its CPU makes the libraries
# choose. The book build uses every core and the machine's own kernels; these go either side of it.
VARIANTS: dict[str, dict[str, str]] = {
    "1-thread": {"COURSE_THREADS": "1"},
    "2-threads": {"COURSE_THREADS": "2"},
    "4-threads": {"COURSE_THREADS": "4"},
    # an AVX2 machine's kernels (ATen, MKL and oneDNN), on any x86-64 CPU with AVX2
    "avx2-kernels": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    # oneDNN capped at SSE4.1 and MKL at SSE4.2 in its reproducible branch: older, narrower kernels
    "capped-kernels": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41",
                       "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
}


def run_variant(name: str, notebooks: list[Path], out: Path) -> dict:
    """nbval over ``notebooks`` with the variant's environment; its exit code, time and report file."""
    report = out / f"{name}.jsonl"
    report.unlink(missing_ok=True)
    env = {**os.environ, **VARIANTS[name]}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "nbval", f"--tolerance-report={report}",
                           *map(str, notebooks)], cwd=ROOT, env=env, capture_output=True, text=True)
    (out / f"{name}.log").write_text(done.stdout + done.stderr)
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    return {"variant": name, "passed": done.returncode == 0, "seconds": time.perf_counter() - start,
            "summary": last, "report": report.name}


def summarise(out: Path) -> str:
    """Markdown: every run's verdict, then each cell whose numbers moved, with the largest move per rule."""
    runs = json.loads((out / "runs.json").read_text()) if (out / "runs.json").exists() else []
    lines = ["# Stored outputs under other machines' settings", "",
             "| run | passed | time (s) | pytest |", "|---|---|---:|---|"]
    lines += [f"| {r['variant']} | {'yes' if r['passed'] else '**no**'} | {r['seconds']:.0f} | {r['summary']} |"
              for r in runs]
    moves: dict[tuple[str, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    problems: dict[tuple[str, int], list[str]] = defaultdict(list)
    for report in sorted(out.glob("*.jsonl")):
        variant = report.stem
        for line in report.read_text().splitlines():
            cell = json.loads(line)
            key = (cell["notebook"], cell["cell"])
            problems[key] += [f"{variant}: {p}" for p in cell["problems"]]
            for d in cell["deviations"]:
                moves[key][d["rule"]].append((d["distance"], variant, d["stored"], d["new"]))
    lines += ["", "| notebook | code cell | rule | numbers moved | largest move (run: stored -> new) |",
              "|---|---:|---|---:|---|"]
    for (notebook, cell), by_rule in sorted(moves.items()):
        for rule, found in sorted(by_rule.items()):
            distance, variant, stored, new = max(found)
            lines.append(f"| {notebook} | {cell} | {rule} | {len(found)} | {distance:.3g} ({variant}: {stored} -> "
                         f"{new}) |")
    failing = {k: v for k, v in problems.items() if v}
    if failing:
        lines += ["", "## Beyond the declared tolerances", ""]
        for (notebook, cell), found in sorted(failing.items()):
            lines += [f"- {notebook}, code cell {cell}: " + "; ".join(found[:4]) + (" ..." if len(found) > 4 else "")]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", nargs="*", choices=sorted(VARIANTS), help="default: every variant")
    parser.add_argument("--only", nargs="*", help="chapter file names without .ipynb; default: every chapter")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    paths = [n.path for n in notebooks() if not args.only or n.stem in args.only]
    runs = []
    for name in args.variant or list(VARIANTS):
        print(f"{name} ...", flush=True)
        runs.append(run_variant(name, paths, args.out))
        print(f"  {runs[-1]['summary']} ({runs[-1]['seconds']:.0f} s)", flush=True)
        (args.out / "runs.json").write_text(json.dumps(runs, indent=1))
    text = summarise(args.out)
    (args.out / "report.md").write_text(text)
    print(text)
    return 0 if all(r["passed"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
