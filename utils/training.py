"""Training helpers: accuracy, and fastai training whose printed table is stable and readable."""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of correct predictions.

    ``outputs`` are class scores of shape (N, C), or one probability per sample of shape (N,)
    or (N, 1) (predicted positive when above 0.5).
    """
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError(f"accuracy got {outputs.shape[0]} outputs but {targets.shape[0]} targets.")
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        predicted = outputs.argmax(dim=1)
    else:
        predicted = (outputs.reshape(-1) > 0.5).long()
    return (predicted == targets.reshape(-1).long()).float().mean().item()


def fit_table(learn: Any, epochs: int, lr: float, one_cycle: bool = False, digits: int = 4) -> pd.DataFrame:
    """Train a fastai ``Learner`` without progress bars; return one rounded row per epoch.

    fastai's live table updates in place and prints times, which a stored notebook cannot
    reproduce; this runs the same training and returns the losses and metrics as a DataFrame.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    import fastai.callback.progress  # noqa: F401  (defines Learner.no_bar)

    quiet = learn.logger
    learn.logger = lambda *_: None
    try:
        with learn.no_bar():
            if one_cycle:
                learn.fit_one_cycle(epochs, lr)
            else:
                learn.fit(epochs, lr)
    finally:
        learn.logger = quiet
    names = [n for n in learn.recorder.metric_names if n not in ("epoch", "time")]
    table = pd.DataFrame([list(v) for v in learn.recorder.values], columns=names)
    table.index.name = "epoch"
    return table.astype(float).round(digits)
