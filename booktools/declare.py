"""Declare (or show) the tolerance of a code cell's outputs, in its metadata (see booktools.outputs).

    python -m booktools.declare chapters/06_handwritten_modules.ipynb 41 \\
        --why "trained weights: make variants moved these by at most 0.0012 (1-4 threads, kernels, Colab)" \\
        --rule abs=0.003 --rule 'match=\\((\\d+) wrong\\)' abs=30
    python -m booktools.declare chapters/06_handwritten_modules.ipynb 41            # show it
    python -m booktools.declare chapters/06_handwritten_modules.ipynb 41 --clear    # every number exact again

The cell is given by its code-cell index, as nbval and ``make variants`` number them (the Colab cell is 0).
Each ``--rule`` is one rule: ``key=value`` words (match, abs, rel, any), ``match`` first when it has one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from booktools.outputs import parse_rules


def code_cell(notebook: dict, index: int) -> dict:
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    if not 0 <= index < len(cells):
        raise SystemExit(f"the notebook has code cells 0 to {len(cells) - 1}, not {index}")
    return cells[index]


def parse_rule(words: list[str]) -> dict:
    rule: dict = {}
    for word in words:
        key, _, value = word.partition("=")
        if key == "match":
            rule["match"] = value
        elif key == "any":
            rule["any"] = value.lower() in ("1", "true", "yes", "")
        elif key in ("abs", "rel"):
            rule[key] = float(value)
        else:
            raise SystemExit(f"a rule is made of match=..., abs=..., rel=..., any=true; got {word!r}")
    return rule


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("cell", type=int, help="code-cell index (as nbval and make variants number them)")
    parser.add_argument("--why", help="what moves these numbers, and what make variants measured")
    parser.add_argument("--rule", nargs="+", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--clear", action="store_true", help="remove the tolerance: every number exact")
    args = parser.parse_args()
    notebook = json.loads(args.notebook.read_text())
    cell = code_cell(notebook, args.cell)
    if args.clear:
        cell["metadata"].pop("tolerance", None)
    elif args.rule:
        cell["metadata"]["tolerance"] = {"why": args.why or "", "rules": [parse_rule(r) for r in args.rule]}
        parse_rules(cell["metadata"])  # refuse a malformed tolerance before writing it
    else:
        print("".join(cell["source"])[:300])
        print(json.dumps(cell["metadata"].get("tolerance"), indent=1))
        return 0
    args.notebook.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
