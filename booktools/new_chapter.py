"""Start a new chapter: the notebook skeleton that follows every convention, and its registry entries.

    make new-chapter NAME=08_convolutions TITLE="Convolutions"
    python -m booktools.new_chapter 08_convolutions --title "Convolutions"

It writes chapters/<NAME>.ipynb (the Colab cell copied from chapter 1, Colab's GPU metadata, the title,
the setup cell, and Sources/Exercises/Questionnaire sections to fill in), adds the chapter to course.yml
(before the appendices) and to _toc.yml (after the last chapter). Then `make unit` says what is still missing:
the chapter's prose and code, at least five exercises and questions with hidden answers, its headline numbers
in course.yml, and outputs from one clean run (`make outputs ONLY=<NAME>.ipynb`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

from booktools.course import ROOT, parse_course

SKELETON = [
    ("markdown", "# {number}. {title}\n\nWhat this chapter teaches, what it needs from earlier chapters, and why it "
                 "matters: say it here, in a few sentences."),
    ("code", "from utils.notebook import setup_chapter\n\ndevice = setup_chapter()"),
    ("markdown", "## Sources\n\nName what this chapter reproduces (facts, data sets, model sizes, published "
                 "numbers) and where from, including an order of exposition it follows."),
    ("markdown", "## Exercises\n\n1. ...\n\n```{{admonition}} Solution\n:class: dropdown\n...\n```"),
    ("markdown", "## Questionnaire\n\n1. ...\n\n```{{admonition}} Answer\n:class: dropdown\n...\n```"),
]


def new_chapter(name: str, title: str, root: Path = ROOT) -> list[str]:
    """Write the skeleton and the registry entries in the checkout ``root``; return what was written."""
    if not re.fullmatch(r"\d\d_[a-z0-9_]+", name):
        raise SystemExit(f"a chapter's name is NN_words_in_snake_case, like 08_convolutions; got {name!r}")
    chapters = parse_course(yaml.safe_load((root / "course.yml").read_text()))
    number = int(name[:2])
    if number != len(chapters) + 1:
        raise SystemExit(f"the next chapter is number {len(chapters) + 1:02d}, not {name[:2]}")
    path = root / "chapters" / f"{name}.ipynb"
    if path.exists():
        raise SystemExit(f"{path.relative_to(root)} exists already")
    model = json.loads((root / f"{chapters[0].file}.ipynb").read_text())
    cells = [model["cells"][0]]  # the Colab cell, identical in every chapter
    for kind, text in SKELETON:
        cell = {"cell_type": kind, "id": f"{name[:2]}{len(cells):06d}", "metadata": {},
                "source": text.format(number=number, title=title).splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    metadata = {key: model["metadata"][key] for key in ("accelerator", "colab", "kernelspec", "language_info")
                if key in model["metadata"]}
    path.write_text(json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5},
                               indent=1, ensure_ascii=False) + "\n")
    entry = f"  - file: chapters/{name}\n    datasets: []\n    word_budget: 5000\n\n"
    course = (root / "course.yml").read_text()
    at = course.find("\nappendices:")
    course = course.rstrip("\n") + "\n\n" + entry if at < 0 else course[:at + 1] + entry + course[at + 1:]
    (root / "course.yml").write_text(course)
    toc = (root / "_toc.yml").read_text().splitlines(keepends=True)
    last = max(i for i, line in enumerate(toc) if re.search(r"file: chapters/\d\d_", line))
    toc.insert(last + 1, f"  - file: chapters/{name}\n")
    (root / "_toc.yml").write_text("".join(toc))
    return [str(path.relative_to(root)), "course.yml", "_toc.yml"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="NN_name, the next chapter number")
    parser.add_argument("--title", required=True)
    args = parser.parse_args()
    written = new_chapter(args.name, args.title)
    print("wrote " + ", ".join(written) + "; now `make unit` lists what the chapter still needs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
