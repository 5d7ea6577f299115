"""nbval compares each stored output for what it means: text exactly, numbers within their declared tolerance.

A pytest plugin (the root ``conftest.py`` loads it, so every ``pytest`` run and every fork's CI use it). nbval
executes each cell and compares its outputs with the stored ones exactly; this plugin first lines the new
outputs up with the stored ones (:func:`booktools.outputs.align_outputs`): every part that agrees under the
cell's ``tolerance`` metadata, or under ``course.yml``'s ``reproduce`` for a headline number, takes the stored
text. nbval's own exact comparison, sanitizers and diff then see only what really differs, and the failure
report adds which number moved by how much against which tolerance.

``--tolerance-report FILE`` also writes every number that was printed differently, allowed or not, one JSON
line per cell: what ``make variants`` collects to size the tolerances.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from booktools.outputs import HeadlineRule, ToleranceError, align_outputs, parse_rules, sanitize


@lru_cache(maxsize=16)
def headline_rule_for(notebook: Path) -> HeadlineRule:
    """The rule of each headline number a chapter publishes (``course.yml``'s ``reproduce``)."""
    from booktools.course import notebooks
    from booktools.glue import read_glued

    chapter = next((c for c in notebooks() if c.path.resolve() == notebook.resolve()), None)
    return chapter.headline_rules(read_glued(notebook)) if chapter else (lambda name: None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("nbval").addoption(
        "--tolerance-report", metavar="FILE", default=None,
        help="append every number printed differently from the stored output (JSON lines) to FILE")


def _record(item: Any, problems: tuple[str, ...], deviations: tuple) -> None:
    path = item.config.getoption("tolerance_report")
    if not path or not (problems or deviations):
        return
    line = {"notebook": Path(item.path).stem, "cell": item.cell_num, "problems": list(problems),
            "deviations": [{"stored": d.stored.text, "new": d.new.text, "distance": d.distance,
                            "rule": d.rule.describe(), "allowed": d.allowed} for d in deviations]}
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")


def _sanitized(outputs: list) -> list:
    from nbformat import from_dict  # nbval reads outputs as notebook nodes

    return [from_dict(out) for out in sanitize(outputs)]


def _tolerant(item: Any) -> None:
    exact = item.compare_outputs
    try:
        rules = parse_rules(item.cell.metadata)
    except ToleranceError as err:
        message = f"cell {item.cell_num}: {err}"

        def refuse(test: list, ref: list, skip_compare: Any = None) -> bool:
            item.comparison_traceback = [message]
            return False

        item.compare_outputs = refuse
        return
    headline_rule = headline_rule_for(Path(item.path))

    def compare(test: list, ref: list, skip_compare: Any = None) -> bool:
        # sanitized first, as nbval compares them: the report holds only what nbval would see differ
        aligned, result = align_outputs(_sanitized(ref), _sanitized(test), rules, headline_rule)
        _record(item, result.problems, result.deviations)
        if exact(aligned, ref, skip_compare):
            return True
        if result.problems:
            item.comparison_traceback += ["Beyond the cell's declared tolerance (metadata 'tolerance', or "
                                          "course.yml for a headline):", *(f"  {p}" for p in result.problems)]
        return False

    item.compare_outputs = compare


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from nbval.plugin import IPyNbCell

    for item in items:
        if isinstance(item, IPyNbCell):
            _tolerant(item)
