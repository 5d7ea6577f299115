"""Reproducibility: one call seeds every random number generator a chapter touches."""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import torch

# Float sums are split across threads, so a different thread count gives slightly different
# results. The book's stored outputs were made with this many intra-op threads.
DEFAULT_THREADS = 2


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
