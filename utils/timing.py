"""Timing code fairly: the fastest of many calls, with the device synchronised and threads controlled."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch


def synchronize(device: torch.device | None = None) -> None:
    """Wait for queued GPU work (a no-op on the CPU), so a timer measures the work, not its launch."""
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)


def best_time(fn: Callable[[], object], repeat: int = 5, min_seconds: float = 0.05,
              device: torch.device | None = None, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds per call of ``fn``: the fastest of ``repeat`` timed batches of calls.

    Each batch runs ``fn`` often enough to last ``min_seconds``; the fastest batch is the one least
    disturbed by other work on the machine. ``clock`` reads the time (seconds).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}.")
    fn()  # warm up: first calls pay for allocation and kernel selection
    synchronize(device)
    calls = 1
    while True:
        start = clock()
        for _ in range(calls):
            fn()
        synchronize(device)
        if clock() - start >= min_seconds:
            break
        calls *= 2
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        for _ in range(calls):
            fn()
        synchronize(device)
        best = min(best, (clock() - start) / calls)
    return best


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block with torch using ``n`` CPU threads, then restore the previous count."""
    if n < 1:
        raise ValueError(f"threads needs n >= 1, got {n}.")
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def matmul_flops(m: int, k: int, n: int) -> int:
    """Floating-point operations of an (m, k) @ (k, n) matrix product: a multiply and an add per term."""
    return 2 * m * k * n


def matmul_gflops(m: int, k: int, n: int, device: torch.device | None = None, min_seconds: float = 0.2) -> float:
    """GFLOP/s of an (m, k) @ (k, n) matrix product on random operands: the fastest of several timed batches."""
    a, b = torch.randn(m, k, device=device), torch.randn(k, n, device=device)
    return matmul_flops(m, k, n) / 1e9 / best_time(lambda: a @ b, device=device, min_seconds=min_seconds)


def training_flops_per_sample(sizes: tuple[int, ...]) -> int:
    """Floating-point operations of one training sample through a stack of linear layers.

    Forward: 2 per weight. Backward: 2 per weight for the weight gradients, and 2 per weight for the
    input gradients of every layer but the first (nothing upstream of the first layer needs them).
    Biases, activations and the loss are negligible and not counted.
    """
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(f"sizes must be at least two positive layer widths, got {sizes!r}.")
    products = [matmul_flops(1, a, b) for a, b in zip(sizes, sizes[1:])]  # one sample through each layer
    return 2 * sum(products) + sum(products[1:])


def describe_loop(model: torch.nn.Module, batch_size: int, samples_per_s: float,
                  matmul_gflops: float | None = None) -> str:
    """A fully connected training loop as JSON text, for a chapter to publish (``glue_text``) and
    ``make bench`` to measure again: layer widths, activation, batch size, thread count, and the
    rate the chapter measured (with the matmul speed it measured beside it, if any)."""
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if not linears:
        raise ValueError("describe_loop needs a model built from nn.Linear layers.")
    activations = {type(m).__name__ for m in model.modules()
                   if not isinstance(m, (torch.nn.Linear, torch.nn.Sequential, torch.nn.Flatten))
                   and m is not model and not list(m.children())}
    if len(activations) > 1:
        raise ValueError(f"describe_loop needs one kind of activation, got {sorted(activations)}.")
    spec = {"sizes": [linears[0].in_features] + [m.out_features for m in linears],
            "activation": activations.pop() if activations else None, "batch_size": batch_size,
            "threads": torch.get_num_threads(), "samples_per_s": round(samples_per_s),
            "matmul_gflops": None if matmul_gflops is None else round(matmul_gflops, 1)}
    return json.dumps(spec)
