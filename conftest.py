"""pytest's configuration for the whole repository: the tests in tests/ and nbval over chapters/.

* A pytest run is a compared run (``utils.seeding.mark_compared_run``): nbval's kernels inherit it, so
  they show no progress bars and store every slider frame, exactly like the book build.
* nbval compares each output for what it means (``booktools.nbval_plugin``): text exactly, numbers within
  the tolerance their cell declares.
* The warnings that chapters silence (``utils.notebook.KNOWN_LIBRARY_WARNINGS``) are silenced here too.
* Every test belongs to one tier, a marker registered in pyproject.toml: a module of tests/ names its
  tier with ``pytestmark``; unmarked tests are ``unit`` and notebooks are ``nbval``. ``pytest -m unit``
  is the fast tier (no built book, no browser, no dataset).
"""

from __future__ import annotations

import pytest

from utils.notebook import KNOWN_LIBRARY_WARNINGS
from utils.seeding import mark_compared_run

TIERS = ("unit", "slow", "data", "site", "browser", "nbval")
pytest_plugins = ["booktools.nbval_plugin"]


def pytest_configure(config: pytest.Config) -> None:
    mark_compared_run()
    for category, message in KNOWN_LIBRARY_WARNINGS:
        config.addinivalue_line("filterwarnings", f"ignore:{message}:{category.__name__}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(tier) for tier in TIERS):
            continue
        item.add_marker("nbval" if item.path.suffix == ".ipynb" else "unit")
