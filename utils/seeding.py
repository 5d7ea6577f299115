"""Reproducibility: one call seeds every random number generator a chapter touches.

Runs whose outputs are compared with the stored ones (the book build, nbval, the benchmark) are
*compared runs*, marked by ``mark_compared_run`` before their kernels start:

* ``COURSE_REPRODUCIBLE=1``: the chapters pin torch's CPU thread count, because float sums are split
  across threads and another count changes the last digits.
* The math libraries' code paths are fixed (``PINNED_NUMERICS``), because by default each picks its
  kernels by the processor and its instruction set (AVX2 or AVX-512), and other kernels sum in another
  order: a training run that is sensitive to its last digits (a large learning rate, 50 epochs) ends a
  few images apart. Pinned, a stored output comes out the same on any x86-64 machine.

A learner's own run sets none of this: all cores, the fastest kernels.
"""

from __future__ import annotations

import os
import platform
import random
import sys
from collections.abc import MutableMapping

import numpy as np
import torch

REPRODUCIBLE_ENV = "COURSE_REPRODUCIBLE"
# The intra-op thread count the book's stored outputs were made with.
DEFAULT_THREADS = 2
# The code paths of a compared run on x86-64 (read by each library when it starts, so they must be in the
# kernel's environment): MKL's conditional numerical reproducibility in its COMPATIBLE branch (SSE2 without
# the approximate reciprocals, the one branch that gives the same bits on Intel and AMD CPUs); ATen's AVX2
# kernels (every x86-64 server since 2015 has AVX2; AVX-512 ones would sum in another order); oneDNN capped
# at AVX2 likewise.
PINNED_NUMERICS = {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


def reproducible_run() -> bool:
    """True when this run's outputs are compared with the stored ones (``COURSE_REPRODUCIBLE=1``)."""
    return os.environ.get(REPRODUCIBLE_ENV, "").strip() not in ("", "0")


def compared_run_env() -> dict[str, str]:
    """The environment variables that make a process, and the kernels it starts, a compared run."""
    env = {REPRODUCIBLE_ENV: "1"}
    if platform.machine().lower() in ("x86_64", "amd64"):  # other CPUs have neither MKL nor these paths
        env.update(PINNED_NUMERICS)
    return env


def mark_compared_run(environ: MutableMapping[str, str] | None = None) -> None:
    """Make the kernels this process starts compared runs; a variable already set is left as it is."""
    environ = os.environ if environ is None else environ
    for name, value in compared_run_env().items():
        environ.setdefault(name, value)


def chapter_threads() -> int | None:
    """The thread count a chapter pins: ``DEFAULT_THREADS`` for a compared run, ``None`` (all cores) else."""
    return DEFAULT_THREADS if reproducible_run() else None


def set_seed(seed: int = 42, deterministic: bool = True, threads: int | None = DEFAULT_THREADS) -> None:
    """Seed Python, NumPy and torch (and fastai when it is loaded); optionally force determinism.

    ``deterministic`` asks cuDNN for deterministic convolutions and, when a CUDA device is present,
    turns on ``torch.use_deterministic_algorithms``.

    ``threads`` pins torch's intra-op thread count so that CPU results do not depend on the
    machine's core count or ``OMP_NUM_THREADS``; pass ``None`` to keep torch's default.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads!r}")
        torch.set_num_threads(threads)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        if torch.cuda.is_available():
            # Only CUDA has non-deterministic kernels that this switch replaces. On the CPU it changes no
            # result, yet costs about 2 s of imports (torch._inductor) and fills every new tensor with NaN.
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True, warn_only=True)
    if "fastai" in sys.modules:
        from fastai.torch_core import set_seed as fastai_set_seed

        fastai_set_seed(seed, reproducible=deterministic)


if __name__ == "__main__":  # `env $(python -m utils.seeding) jupyter execute ...`: a compared run by hand
    print(" ".join(f"{name}={value}" for name, value in compared_run_env().items()))
