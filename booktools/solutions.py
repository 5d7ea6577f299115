"""The committed notebooks keep no output for exercise solution cells.

A solution cell (tags ``solution``, ``hide-cell``, ``nbval-skip``) shows and checks an exercise's solution:
``ex.q3.solution()`` then ``ex.q3.check(ex.q3.reference_answer())``. The book's build executes it, so the page
shows the solution (hidden until opened) and "Correct"; nbval skips it. Its stored output would show the
solution to anyone who opens the notebook in Colab or Jupyter, so `make outputs` strips it after executing:

    python -m booktools.solutions chapters/NN_name.ipynb ...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SOLUTION_TAG = "solution"
SOLUTION_TAGS = {SOLUTION_TAG, "hide-cell", "nbval-skip"}


def is_solution(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def strip_solutions(path: Path) -> int:
    """Remove the outputs and execution counts of a notebook's solution cells; the number of cells stripped."""
    notebook = json.loads(path.read_text())
    stripped = 0
    for cell in notebook["cells"]:
        if is_solution(cell) and (cell.get("outputs") or cell.get("execution_count") is not None):
            cell["outputs"], cell["execution_count"] = [], None
            stripped += 1
    if stripped:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return stripped


def main() -> int:
    for name in sys.argv[1:]:
        print(f"{name}: {strip_solutions(Path(name))} solution cell(s) stripped of their output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
