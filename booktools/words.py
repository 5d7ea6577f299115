"""How long is each chapter's main path? ``python -m booktools.words`` prints the words a reader meets before the
exercises: prose of markdown cells up to "## Exercises", leaving out cells tagged hide-*/remove-* and collapsed
blocks (dropdown admonitions, ``{dropdown}``), which a reader opens only by choice. Code is not counted.
``course.yml``'s ``word_budget`` is the most a chapter may have; a test holds each chapter to it."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_END = re.compile(r"^#+\s*(Exercises|Questionnaire)", re.M)
_COLLAPSED = (
    # an admonition whose options include ":class: dropdown"
    re.compile(r"(`{3,}|:{3,})\{(admonition|dropdown|note|tip|important|seealso)\}[^\n]*\n(?:(?!\1).*\n)*?\s*:class:"
               r"[^\n]*dropdown.*?\1", re.S),
    re.compile(r"(`{3,}|:{3,})\{dropdown\}.*?\1", re.S),
)
_WORD = re.compile(r"[A-Za-z0-9']+")


def main_path_words(notebook: Path) -> int:
    """The words of a notebook's main path (see the module's docstring)."""
    count = 0
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell.get("source", []))
        if _END.search(text):
            break
        if any(t.startswith(("hide", "remove")) for t in cell.get("metadata", {}).get("tags", [])):
            continue
        for pattern in _COLLAPSED:
            text = pattern.sub(" ", text)
        count += len(_WORD.findall(text))
    return count


def main() -> int:
    from booktools.course import load_course

    over = 0
    for chapter in load_course():
        words = main_path_words(chapter.path)
        flag = f" (over its budget of {chapter.word_budget})" if words > chapter.word_budget else ""
        over += bool(flag)
        print(f"{chapter.stem}: {words} words{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
