"""The timer measures what it runs and leaves the thread count as it found it."""

from __future__ import annotations

import time

import pytest
import torch

from utils.timing import best_time, threads


def test_best_time_measures_a_sleep():
    seconds = best_time(lambda: time.sleep(0.01), repeat=2, min_seconds=0.01)
    assert 0.009 < seconds < 0.05


def test_best_time_rejects_zero_repeats():
    with pytest.raises(ValueError, match="repeat"):
        best_time(lambda: None, repeat=0)


def test_threads_restores_the_previous_count():
    before = torch.get_num_threads()
    with threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError):
        with threads(0):
            pass
