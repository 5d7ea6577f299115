"""Benchmark the book on this machine: `make bench` (``python -m booktools.bench``) writes
benchmarks/report-<cpu|gpu>.{md,json}.

1. Executes every chapter of course.yml cold (a fresh kernel, on a temporary copy, so the committed
   outputs stay as they are) and records its wall time and the peak memory of its kernel; then times
   nbval over all chapters, and a rebuild of the book with nothing changed (when a current build exists).
2. Measures how fast the machine is around those runs: matmuls run back to back for a few seconds just
   before and just after. Shared cores change speed from hour to hour, so each time is also given
   *normalised* to a stated reference speed, and the time budgets are checked on the normalised times:
   a budget is met or missed by the book, not by the hour.
3. For each training loop a chapter publishes (course.yml ``loops``; the chapter glues its model's widths,
   batch size and measured rate with ``utils.timing.describe_loop``), measures a training step of that
   model from tensors on the device and puts both against the matmul throughput at its first layer.
4. Checks the budgets of the book (``course.yml``'s ``budgets``) and marks each one met or missed.

The chapters, the speed probe and the loop measurements all run on the same code paths, the machine's
default kernels with every core, so a normalised time compares like with like.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from booktools.course import ROOT, Budgets, Chapter, load_budgets, load_course, notebooks
from booktools.glue import read_glued
from utils.device import environment_report, get_device
from utils.seeding import mark_compared_run, set_seed
from utils.timing import best_time, matmul_flops, matmul_gflops, synchronize, threads, training_flops_per_sample


@dataclass(frozen=True)
class TrainingLoop:
    """A fully connected model a chapter trains, as the chapter published it."""

    name: str
    sizes: tuple[int, ...]
    activation: str | None
    batch_size: int
    threads: int  # the thread count the chapter measured its loop with
    samples_per_s: float | None = None  # what the chapter measured of its own loop
    matmul_gflops: float | None = None  # the matmul speed the chapter measured beside its loop
    fraction_budget: float | None = None

    @classmethod
    def from_glued(cls, chapter: Chapter, glued: dict) -> list[TrainingLoop]:
        loops = []
        for loop in chapter.loops:
            spec = json.loads(glued[loop.glue])
            loops.append(cls(f"{chapter.stem}: {loop.glue}", tuple(spec["sizes"]), spec["activation"],
                             spec["batch_size"], spec["threads"], spec.get("samples_per_s"),
                             spec.get("matmul_gflops"), loop.fraction_budget))
        return loops


SPEED_PROBE = (64, 3072, 512)  # the matmul that tells how fast the machine is at the moment
SPEED_PROBE_SECONDS = 3.0
STEP_ROUNDS = 5  # paired (matmul, training step) timings per fully connected model


def sustained_matmul_gflops(m: int, k: int, n: int, device: torch.device,
                            seconds: float = SPEED_PROBE_SECONDS) -> float:
    """GFLOP/s of back-to-back (m, k) @ (k, n) matmuls over ``seconds``: stalls count, unlike a best time."""
    a, b = torch.randn(m, k, device=device), torch.randn(k, n, device=device)
    call, gflop = (lambda: a @ b), matmul_flops(m, k, n) / 1e9
    call()  # warm up
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            call()
        synchronize(device)
        calls += 10
    return gflop * calls / (time.perf_counter() - start)


def build_model(sizes: tuple[int, ...], activation: str | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2 and activation:
            layers.append(getattr(nn, activation)())
    return nn.Sequential(*layers)


def training_step(loop: TrainingLoop, device: torch.device) -> Callable[[], None]:
    """Forward + backward + SGD step of the loop's model on one batch already on the device."""
    model = build_model(loop.sizes, loop.activation).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(loop.batch_size, loop.sizes[0], device=device)
    if loop.sizes[-1] == 1:
        y = torch.randint(0, 2, (loop.batch_size, 1), device=device).float()
        loss_fn = nn.functional.binary_cross_entropy_with_logits
    else:
        y = torch.randint(0, loop.sizes[-1], (loop.batch_size,), device=device)
        loss_fn = nn.functional.cross_entropy

    def step() -> None:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def measure_loop(loop: TrainingLoop, device: torch.device) -> dict:
    """The bench's own step and the chapter's measured loop, both against the matmul roofline.

    The bench's step and its matmul are timed in alternation, STEP_ROUNDS times, so that each step time
    has a matmul time from the same minute; the fraction is the median of those paired ratios. The loop
    timed in the chapter is put against the larger of the fastest round and the chapter's own matmul
    measurement: the larger roofline gives the smaller, safer fraction.
    """
    flops = training_flops_per_sample(loop.sizes)
    rounds = []
    with threads(loop.threads):
        step = training_step(loop, device)
        for _ in range(STEP_ROUNDS):
            peak = matmul_gflops(loop.batch_size, loop.sizes[0], loop.sizes[1], device)
            samples_per_s = loop.batch_size / best_time(step, device=device, min_seconds=0.2)
            rounds.append((samples_per_s * flops / 1e9 / peak, peak, samples_per_s))
    fraction, peak, samples_per_s = sorted(rounds)[len(rounds) // 2]
    result = {"threads": loop.threads, "batch_size": loop.batch_size, "flops_per_sample": flops,
              "matmul_gflops": peak, "step_samples_per_s": samples_per_s, "step_fraction": fraction,
              "fraction_budget": loop.fraction_budget}
    if loop.samples_per_s is not None:
        roofline = max(max(r[1] for r in rounds), loop.matmul_gflops or 0.0)
        result["chapter_samples_per_s"] = loop.samples_per_s
        result["chapter_roofline_gflops"] = roofline
        result["chapter_fraction"] = loop.samples_per_s * flops / 1e9 / roofline
    return result


_RUN_AND_REPORT_PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def execute_chapter(notebook: Path, workdir: Path) -> dict:
    """Run one chapter cold in a fresh kernel on a copy in ``workdir``; wall seconds and peak MiB.

    The execution runs under its own small parent process, so the peak memory is this chapter's
    kernel alone, not the largest of all chapters so far.
    """
    copy = workdir / notebook.name
    copy.write_bytes(notebook.read_bytes())
    jupyter = str(Path(sys.executable).parent / "jupyter")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _RUN_AND_REPORT_PEAK, jupyter, "execute", "--inplace",
                           "--timeout=900", str(copy)], check=True, capture_output=True, text=True,
                          cwd=notebook.parent)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "peak_mib": int(done.stdout.split()[-1]) / 1024}


def time_rebuild() -> float | None:
    """Seconds of `make book` with nothing changed, when a build of today's helpers exists, else None. A first,
    untimed `make book` brings that build up to date with the notebooks (an edited chapter re-executes there),
    so the timed one has nothing to execute."""
    from booktools.book import CODE_STAMP, code_key

    stamp = ROOT / CODE_STAMP
    if not stamp.exists() or stamp.read_text().strip() != code_key(ROOT):
        return None
    subprocess.run(["make", "book"], check=True, capture_output=True, cwd=ROOT)
    start = time.perf_counter()
    subprocess.run(["make", "book"], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def speed_factor(report: dict, reference_gflops: float) -> float | None:
    """How fast the machine was around the chapters, relative to the reference speed (None if not measured)."""
    if "speed_before_gflops" not in report or "speed_after_gflops" not in report:
        return None
    return (report["speed_before_gflops"] + report["speed_after_gflops"]) / 2 / reference_gflops


def check_budgets(report: dict, budgets: Budgets) -> list[dict]:
    """Each budget with its raw and normalised measurement, and whether the normalised one meets it.

    A time measured at a machine speed ``f`` times the reference speed is normalised by multiplying it
    by ``f``: what it would have taken at the reference speed. Without a speed measurement, the raw time
    is checked.
    """
    checks = []
    factor = speed_factor(report, budgets.reference_gflops) or 1.0

    def add(what: str, value: float | None, limit: float, unit: str, at_least: bool = False) -> None:
        if value is None:
            return
        normalised = value if unit == "" else value * factor
        met = normalised >= limit if at_least else normalised <= limit
        checks.append({"budget": what, "measured": value, "normalised": normalised, "limit": limit, "unit": unit,
                       "at_least": at_least, "met": met})

    chapters = report.get("chapters", {})
    if chapters:
        add("whole book, cold", report["total_s"], budgets.book_s, "s")
        add("slowest chapter", max(c["wall_s"] for c in chapters.values()), budgets.chapter_s, "s")
        early = [c["wall_s"] for c in chapters.values() if (c.get("number") or 99) <= budgets.early_chapters]
        if early:
            add(f"slowest of chapters 1-{budgets.early_chapters}", max(early), budgets.early_chapter_s, "s")
    add("rebuild with nothing changed", report.get("rebuild_s"), budgets.rebuild_s, "s")
    for name, loop in report.get("training", {}).items():
        fractions = [loop[key] for key in ("step_fraction", "chapter_fraction") if key in loop]
        if loop.get("fraction_budget") and fractions:
            # the lower of the bench's own step and the chapter's loop: the budget holds for both
            add(f"{name}, fraction of matmul throughput", min(fractions), loop["fraction_budget"], "", True)
    return checks


def _percent_or_seconds(value: float, unit: str) -> str:
    return f"{value:.0%}" if unit == "" else f"{value:.1f} s"


def to_markdown(report: dict) -> str:
    env, reference = report["environment"], report["reference_gflops"]
    machine = f"{env['device']} ({env['cpu']}, {env['cpu cores']} cores, torch threads {report['threads']})"
    lines = [f"# Benchmark: {machine}",
             "", f"Python {env['python']}, torch {env['torch']}, torchvision {env['torchvision']}, "
             f"fastai {env['fastai']}. Measured {report['date']} by `make bench`.", ""]
    factor = speed_factor(report, reference)
    if factor is not None:
        lines += [f"Machine speed around the chapters: {'x'.join(map(str, SPEED_PROBE))} matmuls run back to back "
                  f"for {SPEED_PROBE_SECONDS:.0f} s averaged {report['speed_before_gflops']:.1f} GFLOP/s just before "
                  f"them and {report['speed_after_gflops']:.1f} GFLOP/s just after, {factor:.2f} times the reference "
                  f"speed of {reference:.0f} GFLOP/s (course.yml). Times are given raw and normalised to the reference "
                  "speed (raw × that factor); the budgets are checked on the normalised times.", ""]
    if report.get("budgets"):
        lines += ["## Budgets", "", "| budget | measured | normalised | limit | |", "|---|---:|---:|---:|---|"]
        for b in report["budgets"]:
            sign = ">=" if b["at_least"] else "<="
            lines.append(f"| {b['budget']} | {_percent_or_seconds(b['measured'], b['unit'])} | "
                         f"{_percent_or_seconds(b['normalised'], b['unit'])} | "
                         f"{sign} {_percent_or_seconds(b['limit'], b['unit']).replace('.0 s', ' s')} | "
                         f"{'met' if b['met'] else '**missed**'} |")
        lines.append("")
    if report.get("chapters"):
        lines += ["## Executing each chapter cold", "",
                  "| chapter | wall time (s) | normalised (s) | peak kernel memory (MiB) |", "|---|---:|---:|---:|"]
        for name, c in report["chapters"].items():
            lines.append(f"| {name} | {c['wall_s']:.1f} | {c['wall_s'] * (factor or 1):.1f} | {c['peak_mib']:.0f} |")
        lines += [f"| **total** | **{report['total_s']:.1f}** | **{report['total_s'] * (factor or 1):.1f}** | |", "",
                  f"nbval over all chapters: {report['nbval_s']:.1f} s.", ""]
        if report.get("rebuild_s") is not None:
            lines += [f"Rebuild of the book with nothing changed (`make book`): {report['rebuild_s']:.1f} s.", ""]
    lines += ["## Matrix-multiply throughput", "", "| m x k x n | GFLOP/s |", "|---|---:|"]
    lines += [f"| {shape} | {g:.1f} |" for shape, g in report["matmul"].items()]
    lines += ["", "## Training throughput against the matmul roofline", "",
              "FLOPs per sample count the forward pass, the weight gradients, and the input gradients of all "
              "layers but the first. *Roofline*: one matmul at the batch size and the first layer's shape, with "
              "the same thread count. *Step*: the bench's own forward + backward + SGD step on one batch already "
              f"on the device, timed in alternation with the roofline matmul, {STEP_ROUNDS} rounds; the table "
              "gives the round with the median ratio. *Chapter loop*: what the chapter measured of its own "
              "training loop (data loading, Python overhead and, for the Learner, validation included), against "
              "the larger of the fastest roofline round and the chapter's own matmul measurement taken right "
              "after its loop. A budget takes the lower of the two fractions.", "",
              "| loop | widths | threads | batch | roofline GFLOP/s | step samples/s | step fraction "
              "| chapter loop samples/s | chapter loop fraction |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, t in report["training"].items():
        chapter = (f"{t['chapter_samples_per_s']:,.0f} | {t['chapter_fraction']:.0%}"
                   if "chapter_samples_per_s" in t else "not measured | ")
        lines.append(f"| {name} | {t.get('widths', '')} | {t['threads']} | {t['batch_size']} | "
                     f"{t['matmul_gflops']:.1f} | {t['step_samples_per_s']:,.0f} | {t['step_fraction']:.0%} | "
                     f"{chapter} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-chapters", action="store_true",
                        help="only the throughput measurements (loops as the committed notebooks published them)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks", help="folder for the report")
    args = parser.parse_args()
    set_seed(0, threads=None)
    device = get_device()
    budgets = load_budgets()
    report: dict = {"environment": environment_report(), "threads": torch.get_num_threads(),
                    "reference_gflops": budgets.reference_gflops, "date": time.strftime("%Y-%m-%d"), "chapters": {}}
    chapters, pages = load_course(), notebooks()  # the chapters publish loops; the book is every notebook
    glued = {c.stem: read_glued(c.path) for c in pages}

    if not args.skip_chapters:
        report["speed_before_gflops"] = sustained_matmul_gflops(*SPEED_PROBE, device)
        mark_compared_run()  # the kernels inherit it and run as in the book build (no bars)
        with tempfile.TemporaryDirectory() as tmp:
            for chapter in pages:
                print(f"executing {chapter.stem} ...", flush=True)
                run = execute_chapter(chapter.path, Path(tmp))
                report["chapters"][chapter.stem] = {**run, "number": getattr(chapter, "number", None)}
                glued[chapter.stem] = read_glued(Path(tmp) / chapter.path.name)
                print(f"  {run['wall_s']:.1f} s", flush=True)
        report["total_s"] = sum(c["wall_s"] for c in report["chapters"].values())
        print("nbval ...", flush=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "nbval", "chapters"], check=True, cwd=ROOT,
                       capture_output=True)
        report["nbval_s"] = time.perf_counter() - start
        print("rebuild ...", flush=True)
        report["rebuild_s"] = time_rebuild()
        report["speed_after_gflops"] = sustained_matmul_gflops(*SPEED_PROBE, device)

    report["matmul"] = {f"{m}x{k}x{n}": matmul_gflops(m, k, n, device)
                        for m, k, n in [SPEED_PROBE, (256, 784, 100), (256, 784, 30), (1024, 1024, 1024)]}
    report["training"] = {}
    for chapter in chapters:
        for loop in TrainingLoop.from_glued(chapter, glued[chapter.stem]):
            print(f"measuring {loop.name} ...", flush=True)
            report["training"][loop.name] = {**measure_loop(loop, device),
                                             "widths": "-".join(map(str, loop.sizes))}
    report["budgets"] = check_budgets(report, budgets)

    kind = "gpu" if device.type == "cuda" else "cpu"
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"report-{kind}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(to_markdown(report))
    print(to_markdown(report))


if __name__ == "__main__":
    main()
