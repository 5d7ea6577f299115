"""Timing code fairly: the fastest of many calls, with the device synchronised and threads controlled."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch


def synchronize(device: torch.device | None = None) -> None:
    """Wait for queued GPU work (a no-op on the CPU), so a timer measures the work, not its launch."""
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)


def best_time(fn: Callable[[], object], repeat: int = 5, min_seconds: float = 0.05,
              device: torch.device | None = None) -> float:
    """Seconds per call of ``fn``: the fastest of ``repeat`` timed batches of calls.

    Each batch runs ``fn`` often enough to last ``min_seconds``; the fastest batch is the one least
    disturbed by other work on the machine.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}.")
    fn()  # warm up: first calls pay for allocation and kernel selection
    synchronize(device)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        synchronize(device)
        if time.perf_counter() - start >= min_seconds:
            break
        calls *= 2
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        synchronize(device)
        best = min(best, (time.perf_counter() - start) / calls)
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
