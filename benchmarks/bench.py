"""Benchmark the book on this machine: `make bench` writes benchmarks/report-<device>.{md,json}.

1. Executes every chapter cold (a fresh kernel, in a temporary copy) and records its wall time and the
   peak memory of the kernel, then times the nbval run over all chapters.
2. Measures matrix-multiply throughput (GFLOP/s) at the shapes the chapters' models use, and the
   throughput of a full training step (forward, backward, SGD update) of the models of chapters 5, 6
   and 7 from tensors on the device, as samples/s and as a fraction of the matmul throughput.

Torch uses the same pinned thread count as the chapters (utils.seeding.DEFAULT_THREADS).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from utils.device import environment_report, get_device  # noqa: E402
from utils.seeding import DEFAULT_THREADS, set_seed  # noqa: E402
from utils.timing import best_time  # noqa: E402

# (name, batch size, layer sizes, activation): the fully connected models the chapters train.
MODELS = [
    ("ch5 simple net (MNIST 3/7)", 256, [784, 30, 1], nn.ReLU),
    ("ch6 hidden layer (MNIST)", 256, [784, 100, 10], nn.ReLU),
    ("ch7 CIFAR-2 fully connected", 64, [3072, 512, 2], nn.Tanh),
]


def matmul_gflops(m: int, k: int, n: int, device: torch.device) -> float:
    a, b = torch.randn(m, k, device=device), torch.randn(k, n, device=device)
    return 2 * m * k * n / best_time(lambda: a @ b, device=device, min_seconds=0.2) / 1e9


def training_step_throughput(bs: int, sizes: list[int], act: type[nn.Module], device: torch.device) -> dict:
    """Samples/s of forward + backward + SGD step, and its GFLOP/s against the matmul throughput."""
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(act())
    model = nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(bs, sizes[0], device=device)
    y = torch.randint(0, max(sizes[-1], 2), (bs,), device=device)
    loss_fn = nn.functional.cross_entropy if sizes[-1] > 1 else (
        lambda out, t: nn.functional.binary_cross_entropy_with_logits(out.squeeze(1), t.float()))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    seconds = best_time(step, device=device, min_seconds=0.2)
    # forward 2*in*out per layer; backward twice that (gradients for inputs and weights)
    flops = 6 * bs * sum(a * b for a, b in zip(sizes, sizes[1:]))
    achieved = flops / seconds / 1e9
    # the matmul throughput of the model's largest layer at this batch size: the roofline here
    big = max(zip(sizes, sizes[1:]), key=lambda ab: ab[0] * ab[1])
    peak = matmul_gflops(bs, big[0], big[1], device)
    return {"samples_per_s": bs / seconds, "gflops": achieved, "matmul_gflops": peak, "fraction": achieved / peak}


def execute_chapter(notebook: Path, workdir: Path) -> dict:
    """Run one chapter cold in a fresh kernel; return wall seconds and peak kernel memory (MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    copy = workdir / notebook.name  # executed in a copy: the committed outputs stay as they are
    shutil.copy(notebook, copy)
    subprocess.run([str(Path(sys.executable).parent / "jupyter"), "execute", "--inplace", "--timeout=900", str(copy)],
                   check=True, capture_output=True, cwd=notebook.parent)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "peak_mib": max(peak, before) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-chapters", action="store_true", help="only the throughput measurements")
    args = parser.parse_args()
    set_seed(0)
    device = get_device()
    report: dict = {"environment": environment_report(), "threads": DEFAULT_THREADS, "chapters": {}}

    if not args.skip_chapters:
        with tempfile.TemporaryDirectory() as tmp:
            for nb in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
                print(f"executing {nb.name} ...", flush=True)
                report["chapters"][nb.stem] = execute_chapter(nb, Path(tmp))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "chapters"], check=True, cwd=ROOT, capture_output=True)
        report["nbval_s"] = time.perf_counter() - start
        report["total_s"] = sum(c["wall_s"] for c in report["chapters"].values())

    report["matmul"] = {f"{m}x{k}x{n}": matmul_gflops(m, k, n, device)
                        for m, k, n in [(64, 3072, 512), (256, 784, 100), (256, 784, 30), (1024, 1024, 1024)]}
    report["training"] = {name: training_step_throughput(bs, sizes, act, device) for name, bs, sizes, act in MODELS}

    kind = "gpu" if device.type == "cuda" else "cpu"
    out = ROOT / "benchmarks" / f"report-{kind}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".md").write_text(to_markdown(report))
    print(to_markdown(report))


def to_markdown(report: dict) -> str:
    env = report["environment"]
    lines = [f"# Benchmark: {env['device']} ({env['cpu']}, {env['cpu cores']} cores, torch threads {report['threads']})",
             "", f"Python {env['python']}, torch {env['torch']}, torchvision {env['torchvision']}, fastai {env['fastai']}.", ""]
    if report["chapters"]:
        lines += ["## Executing each chapter cold", "", "| chapter | wall time (s) | peak kernel memory (MiB) |", "|---|---:|---:|"]
        for name, c in report["chapters"].items():
            lines.append(f"| {name} | {c['wall_s']:.1f} | {c['peak_mib']:.0f} |")
        lines += [f"| **total** | **{report['total_s']:.1f}** | |", "", f"nbval over all chapters: {report['nbval_s']:.1f} s.", ""]
    lines += ["## Matrix-multiply throughput", "", "| m x k x n | GFLOP/s |", "|---|---:|"]
    lines += [f"| {shape} | {g:.1f} |" for shape, g in report["matmul"].items()]
    lines += ["", "## Training step throughput (forward + backward + SGD, data on the device)", "",
              "| model | samples/s | GFLOP/s | matmul GFLOP/s at its largest layer | fraction |", "|---|---:|---:|---:|---:|"]
    for name, t in report["training"].items():
        lines.append(f"| {name} | {t['samples_per_s']:,.0f} | {t['gflops']:.1f} | {t['matmul_gflops']:.1f} | {t['fraction']:.0%} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
