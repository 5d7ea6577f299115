"""Choosing where tensors live: one helper, so no chapter ever hard-codes ``cuda``."""

from __future__ import annotations

import os
import platform
import sys

import torch


def get_device(allow_mps: bool = False) -> torch.device:
    """Return the CUDA device when one is present, else MPS (if allowed and present), else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if allow_mps and mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def device_name(device: torch.device | None = None) -> str:
    """A human-readable name for ``device``: the GPU model, or ``CPU``."""
    device = device or get_device()
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return device.type.upper()


def environment_report() -> dict[str, str]:
    """Versions and hardware that decide what a chapter prints, as a dict of strings."""
    import fastai
    import torchvision

    device = get_device()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "fastai": fastai.__version__,
        "device": device_name(device),
        "cpu": platform.processor() or platform.machine(),
        "torch threads": str(torch.get_num_threads()),
        "cpu kernels": torch.backends.cpu.get_cpu_capability(),  # ATen's choice (pinned in a compared run)
        "MKL branch": os.environ.get("MKL_CBWR", "automatic"),
        "cpu cores": str(os.cpu_count()),
        "in colab": str("google.colab" in sys.modules),
    }
