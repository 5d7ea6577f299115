"""Training helpers: the training loop and the evaluation chapter 5 writes (and chapters 6 and 7 import from
here), accuracy, live progress for a person (none in a compared run), and fastai training whose returned
table is stable and readable.

One name, one meaning, across the chapters: ``train_epoch(model, train_dl, loss_fn, opt)`` trains for one
epoch and returns the mean training loss; ``is_correct(model, x, y)`` is the per-item boolean vector "is the
prediction right"; ``evaluate(model, x, y)`` is its mean, the accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import pandas as pd
import torch

from utils.seeding import compared_run

T = TypeVar("T")


def correct(outputs: torch.Tensor, targets: torch.Tensor, threshold: float | None = None) -> torch.Tensor:
    """One boolean per sample: is the prediction right?

    ``outputs`` of shape (N, C) with C > 1 are class scores: the prediction is the largest. One score
    per sample, of shape (N,) or (N, 1), needs ``threshold``: predicted positive when above it (0.5 for
    probabilities, 0.0 for logits). Whether a score is a logit or a probability cannot be read off the
    numbers, so it is never guessed.
    """
    if outputs.shape[0] != targets.shape[0]:
        raise ValueError(f"got {outputs.shape[0]} outputs but {targets.shape[0]} targets.")
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        if threshold is not None:
            raise ValueError("threshold is for one score per sample; class scores are compared by argmax.")
        predicted = outputs.argmax(dim=1)
    elif threshold is None:
        raise ValueError(
            f"got one score per sample (shape {tuple(outputs.shape)}): pass threshold=0.5 for "
            f"probabilities or threshold=0.0 for logits."
        )
    else:
        predicted = (outputs.reshape(-1) > threshold).long()
    return predicted == targets.reshape(-1).long()


def accuracy(outputs: torch.Tensor, targets: torch.Tensor, threshold: float | None = None) -> float:
    """Fraction of correct predictions (see :func:`correct` for ``outputs`` and ``threshold``)."""
    return correct(outputs, targets, threshold).float().mean().item()


def train_epoch(model: Callable[[torch.Tensor], torch.Tensor], train_dl: Iterable[tuple[torch.Tensor, torch.Tensor]],
                loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], opt: Any) -> float:
    """One pass over the training batches: for each, the loss, its gradients, one step of the optimizer
    (anything with ``step`` and ``zero_grad``), and the gradients cleared. Returns the mean training loss.

    Written in chapter 5; chapters 6 and 7 import it from here.
    """
    total, count = 0.0, 0
    for xb, yb in train_dl:
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        total = total + loss.detach() * len(xb)  # summed on the device: no wait for the GPU per batch
        count += len(xb)
    return float(total) / count


def is_correct(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, y: torch.Tensor,
               threshold: float | None = None) -> torch.Tensor:
    """One boolean per item of ``x``: is the model's prediction its label in ``y``? (On the CPU, without
    recording gradients; ``threshold`` as in :func:`correct`.) Written in chapter 5."""
    with torch.no_grad():
        return correct(model(x), y, threshold).cpu()


def evaluate(model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, y: torch.Tensor,
             threshold: float | None = None) -> float:
    """The model's accuracy on ``x``: the share of :func:`is_correct`. Written in chapter 5."""
    return is_correct(model, x, y, threshold).float().mean().item()


def progress(items: Iterable[T], desc: str | None = None, total: int | None = None) -> Iterator[T]:
    """Iterate over ``items`` with a live progress bar for a person running the notebook.

    A compared run (the book build, nbval: ``COURSE_REPRODUCIBLE=1``) shows no bar, so the stored
    output stays the same from run to run.
    """
    if compared_run():
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=desc, total=total, leave=False)


def fit_table(learn: Any, epochs: int, lr: float, one_cycle: bool = False, digits: int = 4) -> pd.DataFrame:
    """Train a fastai ``Learner``; return one rounded row per epoch.

    A person running the notebook sees fastai's progress bars. A compared run shows none: fastai's
    live table updates in place and prints times, which a stored notebook cannot reproduce. Either
    way, the losses and metrics come back as a DataFrame without the time column.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    from contextlib import nullcontext

    import fastai.callback.progress  # noqa: F401  (defines Learner.no_bar)
    from fastcore.basics import noop

    quiet = learn.logger
    learn.logger = noop  # fastai's own epoch table: we return ours instead
    try:
        with learn.no_bar() if compared_run() else nullcontext():
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
