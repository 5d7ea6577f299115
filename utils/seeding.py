"""Reproducibility: one call seeds every random number generator a chapter touches.

A run whose outputs are compared with the stored ones (the book build, nbval, the Colab check, the benchmark)
is a *compared run*, marked by ``mark_compared_run`` before its kernels start (``COURSE_REPRODUCIBLE=1``). It
shows no progress bars and stores every frame of a slider figure, so the page holds no half-drawn bar and its
sliders move without a kernel.

A compared run pins no numerics. Float results depend on the thread count and on the kernels each library
picks for the CPU (AVX2 or AVX-512, Intel or AMD), so a result that training amplifies ends a few images apart
from one machine to the next. The stored outputs are therefore compared for what they mean, each number that
training touches within a tolerance its cell declares (``booktools.outputs``), sized from the spread that
``make variants`` measures across thread counts, kernels and Colab's stack. A learner's run and a compared run
both use every core and the fastest kernels; ``COURSE_THREADS`` sets another thread count.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import MutableMapping

REPRODUCIBLE_ENV = "COURSE_REPRODUCIBLE"
THREADS_ENV = "COURSE_THREADS"


def compared_run() -> bool:
    """True when this run's outputs are compared with the stored ones (``COURSE_REPRODUCIBLE=1``)."""
    return os.environ.get(REPRODUCIBLE_ENV, "").strip() not in ("", "0")


def compared_run_env() -> dict[str, str]:
    """The environment variables that make a process, and the kernels it starts, a compared run."""
    return {REPRODUCIBLE_ENV: "1"}


def mark_compared_run(environ: MutableMapping[str, str] | None = None) -> None:
    """Make the kernels this process starts compared runs; a variable already set is left as it is."""
    environ = os.environ if environ is None else environ
    for name, value in compared_run_env().items():
        environ.setdefault(name, value)


def chapter_threads() -> int | None:
    """The CPU thread count ``COURSE_THREADS`` asks for, or ``None``: torch's default, every core."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_ENV} must be a whole number of threads >= 1, got {value!r}; unset it to use "
                         f"every core.")
    return int(value)


def set_seed(seed: int = 42, deterministic: bool = True, threads: int | None = None) -> None:
    """Seed Python, NumPy and torch (and fastai when it is loaded); optionally force determinism.

    ``deterministic`` asks cuDNN for deterministic convolutions and, when a CUDA device is present,
    turns on ``torch.use_deterministic_algorithms``. ``threads`` sets torch's intra-op thread count
    (``None`` keeps torch's default).
    """
    import numpy as np
    import torch

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
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
