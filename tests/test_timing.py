"""The timer measures what it runs and leaves the thread count as it found it."""

from __future__ import annotations

import time

import pytest
import torch

from utils.timing import best_time, threads


def test_best_time_is_the_fastest_batch_per_call():
    # a fake clock: each call of the timed function takes 3 "seconds", except in the last batch, which is
    # disturbed; the result is the undisturbed time per call, whatever the real machine is doing
    clock = {"now": 0.0, "calls": 0}

    def work():
        clock["calls"] += 1
        clock["now"] += 7.0 if 9 <= clock["calls"] <= 10 else 3.0

    seconds = best_time(work, repeat=3, min_seconds=5.0, clock=lambda: clock["now"])
    assert seconds == 3.0
    assert best_time(lambda: time.sleep(0.001), repeat=2, min_seconds=0.001) >= 0.001  # real time: at least the sleep


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
