"""Choosing where tensors live: one helper, so no chapter ever hard-codes ``cuda``."""

from __future__ import annotations

import os
import platform
import sys

import torch


def get_device() -> torch.device:
    """Return the CUDA device when one is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


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
        "cpu kernels": torch.backends.cpu.get_cpu_capability(),  # ATen's choice for this CPU
        "cpu cores": str(os.cpu_count()),
        "in colab": str("google.colab" in sys.modules),
    }
