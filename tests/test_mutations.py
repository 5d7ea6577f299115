"""The stored-output check still catches a real regression: a copy of a chapter with one deliberate mistake (a
wrong learning rate, a dropped bias, shuffled labels) must fail nbval, on a number that moved beyond the
tolerance its cell declares (not on a crash). Each copy runs only up to the cell that must fail."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest
from helpers import CHAPTERS, ROOT, source

from booktools.course import Chapter

pytestmark = pytest.mark.nbval  # executes chapter code on real data


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` by ``new`` in the first code cell that holds ``old``; the copy ends with the first code
    cell, from there on, whose source holds ``fails_at``: that cell's output must move beyond its tolerance."""

    name: str
    chapter: int  # its number (names live in course.yml)
    old: str
    new: str
    fails_at: str


MUTATIONS = [
    # exact numbers: a fit to 20 photos with half the learning rate stops short of the bottom
    Mutation("half-learning-rate", 4, old="descend(loss_of_20, 60, lr=0.1,",
             new="descend(loss_of_20, 60, lr=0.05,", fails_at="descend(loss_of_20"),
    # trained numbers, within a tolerance: the hand-written linear model at half its learning rate
    Mutation("half-learning-rate", 5, old="GradientDescent(lin_params, lr=1.0)",
             new="GradientDescent(lin_params, lr=0.5)", fails_at="after one "),
    # trained numbers: logistic regression on shuffled training labels
    Mutation("shuffled-labels", 6, old="torch_dl(train_x, train_y, bs, shuffle=True)",
             new="torch_dl(train_x, train_y[torch.randperm(len(train_y))], bs, shuffle=True)",
             fails_at="fit_table(learn, epochs, lr)"),
]


def _chapter(mutation: Mutation) -> Chapter:
    return next(c for c in CHAPTERS if c.number == mutation.chapter)


def mutated_copy(mutation: Mutation, folder) -> tuple[str, int]:
    """Write the mutated, shortened copy; return its path and the code-cell index (nbval's) that must fail."""
    notebook = json.loads(_chapter(mutation).path.read_text())
    cells = notebook["cells"]
    at = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and mutation.old in source(c))
    cells[at]["source"] = source(cells[at]).replace(mutation.old, mutation.new, 1)
    end = next(i for i, c in enumerate(cells) if i >= at and c["cell_type"] == "code"
               and mutation.fails_at in source(c))
    notebook["cells"] = cells[:end + 1]
    path = folder / f"{_chapter(mutation).stem}-{mutation.name}.ipynb"
    path.write_text(json.dumps(notebook, indent=1))
    return str(path), sum(c["cell_type"] == "code" for c in cells[:end + 1]) - 1


@pytest.fixture()
def scratch():
    # inside the checkout's chapters/ folder, so the copy runs where its chapter runs
    folder = ROOT / "chapters" / "_mutations"
    folder.mkdir(exist_ok=True)
    yield folder
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"ch{m.chapter:02d}-{m.name}" for m in MUTATIONS])
def test_a_real_regression_fails_the_stored_output_check(mutation, scratch):
    path, failing = mutated_copy(mutation, scratch)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", path], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 1, done.stdout[-3000:]
    assert f"Cell {failing}" in done.stdout and "Cell outputs differ" in done.stdout, done.stdout[-3000:]
    assert "(outside" in done.stdout, "the failure must name a number beyond its tolerance: " + done.stdout[-3000:]
