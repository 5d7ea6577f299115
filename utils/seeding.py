"""Reproducibility: one call seeds every random number generator a chapter touches.

Runs whose outputs are compared with the stored ones (the book build, nbval, the benchmark) set the
environment variable ``COURSE_REPRODUCIBLE=1``: they pin torch's CPU thread count, because float sums
are split across threads and another count changes the last digits. A learner's own run leaves it
unset and uses every core.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import torch

REPRODUCIBLE_ENV = "COURSE_REPRODUCIBLE"
# The intra-op thread count the book's stored outputs were made with.
DEFAULT_THREADS = 2


def reproducible_run() -> bool:
    """True when this run's outputs are compared with the stored ones (``COURSE_REPRODUCIBLE=1``)."""
    return os.environ.get(REPRODUCIBLE_ENV, "").strip() not in ("", "0")


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
