"""Benchmark the book on this machine: `make bench` writes benchmarks/report-<cpu|gpu>.{md,json}.

1. Executes every chapter cold (a fresh kernel, on a temporary copy, so the committed outputs stay as
   they are) and records its wall time and the peak memory of its kernel; then times nbval over all
   chapters, and a rebuild of the book with nothing changed (when a current build exists).
2. Measures matrix-multiply throughput (GFLOP/s) at the shapes the chapters' models use, and the
   throughput of a training step (forward, backward, SGD update) of the fully connected models of
   chapters 5, 6 and 7 from tensors on the device, as samples/s and as a fraction of the matmul
   throughput at the model's largest layer.
3. Reads the training throughput each chapter measured of its own loop (glued as ``*_samples_per_s``)
   and puts it against the same matmul throughput.
4. Checks the budgets of the book (see the README) and marks each one met or missed.

Torch uses the same pinned thread count as the chapters (utils.seeding.DEFAULT_THREADS), except where
a chapter measured on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from utils.device import environment_report, get_device  # noqa: E402
from utils.notebook import read_glued  # noqa: E402
from utils.seeding import DEFAULT_THREADS, set_seed  # noqa: E402
from utils.timing import best_time, synchronize, threads  # noqa: E402


@dataclass(frozen=True)
class TrainingLoop:
    """A fully connected model a chapter trains, and the glued name of its measured loop throughput."""

    name: str
    chapter: str
    batch_size: int
    sizes: tuple[int, ...]
    activation: type[nn.Module]
    glue_name: str
    threads: int  # the thread count the chapter measured its loop with
    matmul_glue_name: str | None = None  # the matmul GFLOP/s the chapter measured beside its loop


LOOPS = (
    TrainingLoop("ch5 two-layer net, fastai Learner (MNIST 3/7)", "05_mnist_learner", 256, (784, 30, 1), nn.ReLU,
                 "simple_net_samples_per_s", DEFAULT_THREADS),
    TrainingLoop("ch6 hidden layer, own loop (MNIST)", "06_handwritten_modules", 256, (784, 100, 10), nn.ReLU,
                 "own_loop_samples_per_s", 1),
    TrainingLoop("ch7 CIFAR-2 fully connected baseline", "07_cifar2_feedforward", 64, (3072, 512, 2), nn.Tanh,
                 "cifar2_fc_samples_per_s", DEFAULT_THREADS, "cifar2_fc_matmul_gflops"),
)

# Budgets of issue "Build speed as a feature", in seconds (2-core CPU).
BOOK_BUDGET_S = 6 * 60
BOOK_AIM_S = 4 * 60
CHAPTER_BUDGET_S = 4 * 60
EARLY_CHAPTER_BUDGET_S = 60  # chapters 1-4
REBUILD_BUDGET_S = 60
LOOP_FRACTION_BUDGET = 0.5  # the CIFAR-2 fully connected loop, of the matmul throughput
SPEED_PROBE = (64, 3072, 512)  # the matmul that tells how fast the machine is at the moment
SPEED_PROBE_SECONDS = 3.0
STEP_ROUNDS = 5  # paired (matmul, training step) timings per fully connected model


def training_flops_per_sample(sizes: tuple[int, ...]) -> int:
    """Floating-point operations of one training sample through a stack of linear layers.

    Forward: 2 per weight. Backward: 2 per weight for the weight gradients, and 2 per weight for the
    input gradients of every layer but the first (nothing upstream of the first layer needs them).
    Biases, activations and the loss are negligible and not counted.
    """
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive layer widths, got {sizes!r}.")
    weights = [a * b for a, b in zip(sizes, sizes[1:])]
    return 4 * sum(weights) + 2 * sum(weights[1:])


def _matmul(m: int, k: int, n: int, device: torch.device) -> tuple[Callable[[], torch.Tensor], float]:
    """A call computing one (m, k) @ (k, n) product on random operands, and its GFLOP count."""
    a, b = torch.randn(m, k, device=device), torch.randn(k, n, device=device)
    return (lambda: a @ b), 2 * m * k * n / 1e9


def matmul_gflops(m: int, k: int, n: int, device: torch.device) -> float:
    """GFLOP/s of one (m, k) @ (k, n) matrix multiply, the fastest of several timed runs."""
    call, gflop = _matmul(m, k, n, device)
    return gflop / best_time(call, device=device, min_seconds=0.2)


def sustained_matmul_gflops(m: int, k: int, n: int, device: torch.device,
                            seconds: float = SPEED_PROBE_SECONDS) -> float:
    """GFLOP/s of back-to-back (m, k) @ (k, n) matmuls over ``seconds``: stalls count, unlike a best time."""
    call, gflop = _matmul(m, k, n, device)
    call()  # warm up
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            call()
        synchronize(device)
        calls += 10
    return gflop * calls / (time.perf_counter() - start)


def build_model(sizes: tuple[int, ...], activation: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(activation())
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


def measure_loop(loop: TrainingLoop, device: torch.device, glued: dict[str, float]) -> dict:
    """The bench's own step and the chapter's measured loop, both against the matmul roofline.

    On a shared machine the speed drifts from minute to minute, so a loop timed in the chapter is put
    against the larger of two matmul measurements: the bench's now, and the chapter's own, taken right
    after its loop. The larger roofline gives the smaller, safer fraction.

    The bench's step and its matmul are timed in alternation, STEP_ROUNDS times, so that each step time
    has a matmul time from the same minute; the fraction is the median of those paired ratios.
    """
    chapter_samples_per_s = glued.get(loop.glue_name)
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
              "matmul_gflops": peak, "step_samples_per_s": samples_per_s, "step_fraction": fraction}
    if chapter_samples_per_s is not None:
        roofline = max(max(r[1] for r in rounds), glued.get(loop.matmul_glue_name or "", 0.0))
        result["chapter_samples_per_s"] = chapter_samples_per_s
        result["chapter_roofline_gflops"] = roofline
        result["chapter_fraction"] = chapter_samples_per_s * flops / 1e9 / roofline
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
    shutil.copy(notebook, copy)
    jupyter = str(Path(sys.executable).parent / "jupyter")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _RUN_AND_REPORT_PEAK, jupyter, "execute", "--inplace",
                           "--timeout=900", str(copy)], check=True, capture_output=True, text=True,
                          cwd=notebook.parent)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "peak_mib": int(done.stdout.split()[-1]) / 1024}


def time_rebuild() -> float | None:
    """Seconds of `make book` when a current build exists (nothing to execute), else None."""
    stamp = ROOT / "_build" / ".code-key"
    key = subprocess.run(["make", "-s", "code-key"], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    if not stamp.exists() or stamp.read_text().strip() != key.strip():
        return None
    start = time.perf_counter()
    subprocess.run(["make", "book"], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def check_budgets(report: dict) -> list[dict]:
    """Each budget with its measured value and whether it is met."""
    checks = []

    def add(what: str, value: float | None, limit: float, unit: str, at_least: bool = False) -> None:
        if value is None:
            return
        met = value >= limit if at_least else value <= limit
        checks.append({"budget": what, "measured": value, "limit": limit, "unit": unit, "at_least": at_least,
                       "met": met})

    chapters = report.get("chapters", {})
    if chapters:
        add("whole book, cold", report["total_s"], BOOK_BUDGET_S, "s")
        add("slowest chapter", max(c["wall_s"] for c in chapters.values()), CHAPTER_BUDGET_S, "s")
        early = [c["wall_s"] for name, c in chapters.items() if name[:2] in {"01", "02", "03", "04"}]
        if early:
            add("slowest of chapters 1-4", max(early), EARLY_CHAPTER_BUDGET_S, "s")
    add("rebuild with nothing changed", report.get("rebuild_s"), REBUILD_BUDGET_S, "s")
    cifar = report.get("training", {}).get(LOOPS[-1].name, {})
    fractions = [cifar[key] for key in ("step_fraction", "chapter_fraction") if key in cifar]
    # the lower of the bench's own step and the chapter's loop: the budget holds for both
    add("CIFAR-2 FC loop, fraction of matmul throughput", min(fractions) if fractions else None,
        LOOP_FRACTION_BUDGET, "", at_least=True)
    return checks


def to_markdown(report: dict) -> str:
    env = report["environment"]
    lines = [f"# Benchmark: {env['device']} ({env['cpu']}, {env['cpu cores']} cores, torch threads {report['threads']})",
             "", f"Python {env['python']}, torch {env['torch']}, torchvision {env['torchvision']}, "
             f"fastai {env['fastai']}. Measured {report['date']} by `make bench`.", ""]
    if report.get("budgets"):
        lines += ["## Budgets", "", "| budget | measured | limit | |", "|---|---:|---:|---|"]
        for b in report["budgets"]:
            sign = ">=" if b["at_least"] else "<="
            value = f"{b['measured']:.0%}" if b["unit"] == "" else f"{b['measured']:.1f} s"
            limit = f"{b['limit']:.0%}" if b["unit"] == "" else f"{b['limit']:.0f} s"
            lines.append(f"| {b['budget']} | {value} | {sign} {limit} | {'met' if b['met'] else '**missed**'} |")
        lines.append("")
    if report.get("chapters"):
        lines += ["## Executing each chapter cold", "", "| chapter | wall time (s) | peak kernel memory (MiB) |",
                  "|---|---:|---:|"]
        for name, c in report["chapters"].items():
            lines.append(f"| {name} | {c['wall_s']:.1f} | {c['peak_mib']:.0f} |")
        lines += [f"| **total** | **{report['total_s']:.1f}** | |", "",
                  f"nbval over all chapters: {report['nbval_s']:.1f} s.", ""]
        if report.get("rebuild_s") is not None:
            lines += [f"Rebuild of the book with nothing changed (`make book`): {report['rebuild_s']:.1f} s.", ""]
        if "speed_before_gflops" in report and "speed_after_gflops" in report:
            lines += [f"Machine speed around the chapters: {'x'.join(map(str, SPEED_PROBE))} matmuls run back to back "
                      f"for {SPEED_PROBE_SECONDS:.0f} s averaged {report['speed_before_gflops']:.1f} GFLOP/s just before them and "
                      f"{report['speed_after_gflops']:.1f} GFLOP/s just after (the table below gives the best of "
                      "short runs instead).", ""]
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
              "after its loop. The budget takes the lower of the two fractions.", "",
              "| model | threads | batch | roofline GFLOP/s | step samples/s | step fraction "
              "| chapter loop samples/s | chapter loop fraction |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, t in report["training"].items():
        chapter = (f"{t['chapter_samples_per_s']:,.0f} | {t['chapter_fraction']:.0%}"
                   if "chapter_samples_per_s" in t else "not measured | ")
        lines.append(f"| {name} | {t['threads']} | {t['batch_size']} | {t['matmul_gflops']:.1f} | "
                     f"{t['step_samples_per_s']:,.0f} | {t['step_fraction']:.0%} | {chapter} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-chapters", action="store_true", help="only the throughput measurements")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks", help="folder for the report")
    args = parser.parse_args()
    set_seed(0)
    device = get_device()
    report: dict = {"environment": environment_report(), "threads": DEFAULT_THREADS,
                    "date": time.strftime("%Y-%m-%d"), "chapters": {}}
    glued: dict[str, dict[str, float]] = {}

    if not args.skip_chapters:
        # Shared cores change speed from hour to hour: matmuls run back to back for a few seconds before and
        # after the chapters show how fast the machine was around them. (A best-of-several time would not:
        # it picks the undisturbed moments.)
        report["speed_before_gflops"] = sustained_matmul_gflops(*SPEED_PROBE, device)
        with tempfile.TemporaryDirectory() as tmp:
            for nb in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
                print(f"executing {nb.name} ...", flush=True)
                report["chapters"][nb.stem] = execute_chapter(nb, Path(tmp))
                glued[nb.stem] = read_glued(Path(tmp) / nb.name)
                print(f"  {report['chapters'][nb.stem]['wall_s']:.1f} s", flush=True)
        report["total_s"] = sum(c["wall_s"] for c in report["chapters"].values())
        print("nbval ...", flush=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "chapters"], check=True,
                       cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        report["nbval_s"] = time.perf_counter() - start
        print("rebuild ...", flush=True)
        report["rebuild_s"] = time_rebuild()
        report["speed_after_gflops"] = sustained_matmul_gflops(*SPEED_PROBE, device)

    report["matmul"] = {f"{m}x{k}x{n}": matmul_gflops(m, k, n, device)
                        for m, k, n in [SPEED_PROBE, (256, 784, 100), (256, 784, 30), (1024, 1024, 1024)]}
    report["training"] = {loop.name: measure_loop(loop, device, glued.get(loop.chapter, {}))
                          for loop in LOOPS}
    report["budgets"] = check_budgets(report)

    kind = "gpu" if device.type == "cuda" else "cpu"
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"report-{kind}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(to_markdown(report))
    print(to_markdown(report))


if __name__ == "__main__":
    main()
