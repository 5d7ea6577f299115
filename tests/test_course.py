"""course.yml, the one place every chapter fact lives: its checks, and the committed notebooks against it."""

from __future__ import annotations

import re

import pytest
import yaml
from helpers import CHAPTERS, ROOT

from booktools.course import CourseError, check_published, check_toc, headlines, parse_course
from booktools.glue import read_glued

GOOD = {"chapters": [
    {"file": "chapters/01_one", "datasets": ["mnist_sample"]},
    {"file": "chapters/02_two", "headlines": [
        {"glue": "start_loss", "quantity": "loss before", "rule": "at_least", "reference": 1.0,
         "source": "us", "reproduce": "exact"},
        {"glue": "end_loss", "quantity": "loss after", "rule": "at_most",
         "reference": {"headline": "start_loss", "times": 0.1}, "source": "us", "reproduce": 0.01},
        {"glue": "acc", "quantity": "accuracy", "rule": "at_least", "reference": 0.9, "tolerance": 0.005,
         "source": "a book", "reproduce": 0.01},
        {"glue": "exact_acc", "quantity": "exact accuracy", "rule": "equal", "reference": 0.8125,
         "source": "a book", "reproduce": "exact"},
    ]},
]}


def _bad(path: str, value) -> dict:
    """GOOD with one entry replaced (path like 'chapters.1.headlines.0.rule'); value None deletes it."""
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is None:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


def test_a_good_course_parses_and_rules_apply():
    (_, two) = parse_course(GOOD, {"mnist_sample"})
    start, end, acc, exact = two.headlines
    values = {"start_loss": 2.0, "end_loss": 0.2, "acc": 0.8951, "exact_acc": 0.81254}
    assert start.meets(values) and end.meets(values) and acc.meets(values) and exact.meets(values)
    assert not end.meets({**values, "end_loss": 0.21}) and not acc.meets({**values, "acc": 0.8949})
    assert not exact.meets({**values, "exact_acc": 0.8126})
    assert end.rule_text() == "≤ 0.1 × start_loss" and acc.rule_text() == "≥ 0.9 − 0.005"


@pytest.mark.parametrize(("path", "value", "message"), [
    ("chapters.1.headlines.2.reference", None, r"'acc': a rule without a reference"),
    ("chapters.1.headlines.2.rule", "roughly", r"'acc': rule 'roughly' is not one of"),
    ("chapters.1.headlines.1.reference", {"headline": "nope", "times": 1}, r"'end_loss': reference 'nope'"),
    ("chapters.1.headlines.3.tolerance", 0.01, r"'exact_acc': tolerance must be"),
    ("chapters.1.headlines.2.colour", "red", r"'acc': unknown keys \['colour'\]"),
    ("chapters.1.headlines.2.reproduce", "sometimes", r"'acc': reproduce must be"),
    ("chapters.1.headlines.2.source", None, r"'acc': 'source' is missing"),
    ("chapters.1.file", "chapters/03_two", r"chapter 2 must be named like chapters/02_name"),
    ("chapters.0.datasets", ["imagenet"], r"chapters/01_one: unknown datasets \['imagenet'\]"),
])
def test_a_malformed_entry_is_named(path, value, message):
    with pytest.raises(CourseError, match=message):
        parse_course(_bad(path, value), {"mnist_sample"})


def test_a_headline_listed_twice_is_refused():
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    data["chapters"][0]["headlines"] = [data["chapters"][1]["headlines"][2]]
    with pytest.raises(CourseError, match="'acc' is listed twice"):
        parse_course(data, {"mnist_sample"})


def test_toc_lists_exactly_the_registered_chapters_in_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for entry in toc["chapters"]]
    check_toc(files)
    with pytest.raises(CourseError, match="missing from _toc.yml"):
        check_toc([f for f in files if f != CHAPTERS[2].file])
    with pytest.raises(CourseError, match="orders the chapters"):
        check_toc([files[1], files[0], *files[2:]])


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_committed_chapter_publishes_every_registered_number_and_meets_its_rules(chapter):
    glued = read_glued(chapter.path)
    check_published(chapter, glued)
    for headline in chapter.headlines:
        assert headline.meets(glued), f"{headline.glue} = {glued[headline.glue]} misses {headline.rule_text()}"


def test_a_glue_name_no_chapter_publishes_is_named():
    chapter = CHAPTERS[2]
    with pytest.raises(CourseError, match=rf"is not published by {chapter.path.name}"):
        check_published(chapter, {})


# ----------------------------------------------------------------------------- typed once

CODE_FILES = sorted(
    p for pattern in ("utils/**/*.py", "tests/*.py", "benchmarks/*.py", "tools/*.py", "*.yml", ".github/**/*.yml",
                      "Makefile", ".ci/run", "conftest.py", "chapters/*.md")
    for p in ROOT.glob(pattern) if p.name not in ("course.yml", "_toc.yml")
)


def _code_of(chapter) -> str:
    from helpers import load_notebook, source

    return "\n".join(source(c) for c in load_notebook(chapter.path)["cells"] if c["cell_type"] == "code")


def _typed(literal: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(literal)}(?!\d)", text) is not None


def _reference_literals(chapter_headlines) -> list[tuple[str, str]]:
    return [(h.glue, f"{h.reference:g}") for h in chapter_headlines
            if isinstance(h.reference, float) and h.reference not in (0.0, 1.0, 10.0)]


@pytest.mark.parametrize("path", CODE_FILES, ids=[str(p.relative_to(ROOT)) for p in CODE_FILES])
def test_no_reference_threshold_or_chapter_name_outside_the_registry(path):
    text = path.read_text()
    for glue, literal in _reference_literals(headlines()):
        assert not _typed(literal, text), f"{glue}'s reference {literal} is typed in {path.name}: read course.yml"
    for chapter in CHAPTERS:
        assert chapter.stem not in text, f"{path.name} names {chapter.stem}: read the chapters from course.yml"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_no_reference_typed_in_its_chapters_code(chapter):
    code = _code_of(chapter)
    for glue, literal in _reference_literals(chapter.headlines):
        assert not _typed(literal, code), f"{glue}'s reference {literal} is typed in the code of {chapter.stem}"
