"""The note the book adds under each chapter title is computed from the chapter itself."""

from __future__ import annotations

import json

from utils.book import datasets_used, run_note


def _notebook(tmp_path, *sources):
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None} for s in sources]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_datasets_used_lists_prepared_datasets_once_in_order(tmp_path):
    nb = _notebook(tmp_path, 'prepare_dataset("cifar10")\nx = 1', "root = prepare_dataset('MNIST')",
                   'prepare_dataset("cifar10")')
    assert datasets_used(nb) == ["CIFAR-10 (fastai)", "MNIST (torchvision)"]


def test_datasets_used_is_empty_without_data(tmp_path):
    assert datasets_used(_notebook(tmp_path, "import torch")) == []


def test_run_note_states_needs_and_rounded_runtime():
    note = run_note(12.6, ["MNIST_SAMPLE (fastai)"])
    assert "datasets: MNIST_SAMPLE (fastai)" in note and "ran in 13 s" in note
    assert "datasets: none" in run_note(1.0, [])
