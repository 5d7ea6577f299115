"""The course's facts, read from ``course.yml``: its chapters in order, their datasets, the loops the
benchmark measures, and every headline number with the rule it must meet.

The tests, the book (Results page, "Running this chapter" note), the benchmark and the Colab check
read these facts here, so a threshold or a reference is typed once. A malformed entry raises
:class:`CourseError` naming the entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from booktools.outputs import HeadlineRule, Rule

ROOT = Path(__file__).resolve().parents[1]
COURSE_FILE = ROOT / "course.yml"

RULES = {"equal": "=", "at_least": "≥", "at_most": "≤"}
_HEADLINE_KEYS = {"glue", "quantity", "rule", "reference", "tolerance", "source", "reproduce"}
DECIMALS = 4  # glue_number's rounding: an "equal" rule and an "exact" reproduction compare this many decimals
_CHAPTER_KEYS = {"file", "datasets", "loops", "headlines", "word_budget"}
_APPENDIX_KEYS = {"file", "datasets", "title"}
_BUDGET_KEYS = {"reference_gflops", "book_s", "chapter_s", "early_chapter_s", "early_chapters", "rebuild_s"}


class CourseError(ValueError):
    """``course.yml`` is malformed or disagrees with the book; the message names the entry."""


@dataclass(frozen=True)
class Headline:
    """A number a chapter publishes, and the rule it must meet."""

    chapter: str
    glue: str
    quantity: str
    rule: str
    reference: float | str  # a number, or the glue name of another headline of the same chapter
    source: str
    reproduce: str | float  # "exact", "rule", or an absolute tolerance on another software stack
    times: float = 1.0  # with a headline as reference: the reference is that value times this
    tolerance: float = 0.0

    def target(self, values: dict[str, float]) -> float:
        """The reference as a number (a headline reference is looked up in ``values``)."""
        if isinstance(self.reference, str):
            return values[self.reference] * self.times
        return float(self.reference)

    def meets(self, values: dict[str, float]) -> bool:
        """Whether ``values[self.glue]`` meets the rule (``values``: the chapter's glued numbers)."""
        value, target = values[self.glue], self.target(values)
        if self.rule == "equal":
            return round(value, DECIMALS) == round(target, DECIMALS)
        if self.rule == "at_least":
            return value >= target - self.tolerance - 1e-12
        return value <= target + self.tolerance + 1e-12

    def rerun_rule(self, stored: dict[str, Any]) -> Rule:
        """How far a run on another machine or stack may move this number from its stored value (``reproduce``):
        not at all, by at most a tolerance, or anywhere its rule allows (``stored``: the chapter's values)."""
        if self.reproduce == "exact":
            return Rule()
        if self.reproduce == "rule":
            return Rule(accept=lambda value: self.meets({**stored, self.glue: value}))
        return Rule(abs=float(self.reproduce))

    def rule_text(self) -> str:
        """The rule as the Results page writes it, e.g. ``≥ 0.5 − 0.01`` or ``≤ 0.1 × initial_loss``."""
        if isinstance(self.reference, str):
            reference = f"{self.times:g} × {self.reference}"
        else:
            reference = f"{self.reference:g}"
        slack = f" − {self.tolerance:g}" if self.rule == "at_least" and self.tolerance else (
            f" + {self.tolerance:g}" if self.rule == "at_most" and self.tolerance else "")
        return f"{RULES[self.rule]} {reference}{slack}"


@dataclass(frozen=True)
class Loop:
    """A training loop a chapter publishes for the benchmark (JSON text from ``utils.timing.describe_loop``)."""

    glue: str
    fraction_budget: float | None = None  # the share of the matmul roofline the loop must reach, if any


@dataclass(frozen=True)
class Notebook:
    """A notebook of the book: a chapter or an appendix."""

    file: str  # relative to the repository root, without .ipynb

    @property
    def stem(self) -> str:
        return Path(self.file).name

    @property
    def path(self) -> Path:
        return ROOT / f"{self.file}.ipynb"

    def headline_rules(self, stored: dict[str, Any]) -> HeadlineRule:
        """Each headline's rule for a rerun, by glue name (``None`` for a name that is not a headline)."""
        by_name = {h.glue: h for h in getattr(self, "headlines", ())}
        return lambda name: by_name[name].rerun_rule(stored) if name in by_name else None


@dataclass(frozen=True)
class Chapter(Notebook):
    """One chapter notebook and its facts."""

    datasets: tuple[str, ...]
    loops: tuple[Loop, ...]
    headlines: tuple[Headline, ...]
    word_budget: int = 5000  # the most words its main path may have (booktools.words)

    @property
    def number(self) -> int:
        return int(self.stem.split("_", 1)[0])



def _require(entry: str, data: dict, key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise CourseError(f"{entry}: '{key}' is missing.")
    if not isinstance(data[key], kind):
        raise CourseError(f"{entry}: '{key}' must be {getattr(kind, '__name__', kind)}, got {data[key]!r}.")
    return data[key]


def _headline(chapter: str, index: int, data: Any, known: set[str]) -> Headline:
    entry = f"course.yml, {chapter}, headline {index + 1}"
    if not isinstance(data, dict):
        raise CourseError(f"{entry}: expected a mapping, got {data!r}.")
    glue = _require(entry, data, "glue", str)
    entry = f"course.yml, {chapter}, headline {glue!r}"
    if unknown := set(data) - _HEADLINE_KEYS:
        raise CourseError(f"{entry}: unknown keys {sorted(unknown)}; allowed: {sorted(_HEADLINE_KEYS)}.")
    if not glue.isidentifier():
        raise CourseError(f"{entry}: the glue name must be an identifier.")
    rule = _require(entry, data, "rule", str)
    if rule not in RULES:
        raise CourseError(f"{entry}: rule {rule!r} is not one of {sorted(RULES)}.")
    if "reference" not in data:
        raise CourseError(f"{entry}: a rule without a reference; add 'reference' (a number or a headline).")
    reference, times = data["reference"], 1.0
    if isinstance(reference, dict):
        if set(reference) != {"headline", "times"}:
            raise CourseError(f"{entry}: a headline reference is {{headline: <glue name>, times: <factor>}}.")
        times = float(reference["times"])
        reference = reference["headline"]
        if reference not in known:
            raise CourseError(f"{entry}: reference {reference!r} is not an earlier headline of {chapter}.")
    elif isinstance(reference, bool) or not isinstance(reference, (int, float)):
        raise CourseError(f"{entry}: reference must be a number or a headline, got {reference!r}.")
    reproduce = _require(entry, data, "reproduce", (str, int, float))
    if isinstance(reproduce, str) and reproduce not in ("exact", "rule"):
        raise CourseError(f"{entry}: reproduce must be exact, rule or a tolerance, got {reproduce!r}.")
    tolerance = data.get("tolerance", 0.0)
    if not isinstance(tolerance, (int, float)) or tolerance < 0 or (tolerance and rule == "equal"):
        raise CourseError(f"{entry}: tolerance must be a number >= 0, and only with at_least or at_most.")
    return Headline(chapter=chapter, glue=glue, quantity=_require(entry, data, "quantity", str), rule=rule,
                    reference=reference if isinstance(reference, str) else float(reference),
                    source=_require(entry, data, "source", str), reproduce=reproduce, times=times,
                    tolerance=float(tolerance))


def _loop(entry: str, data: Any) -> Loop:
    if isinstance(data, str):
        return Loop(data)
    if not isinstance(data, dict) or set(data) - {"glue", "fraction_budget"} or "glue" not in data:
        raise CourseError(f"{entry}: a loop is a glue name or {{glue: <name>, fraction_budget: <0..1>}}, got {data!r}.")
    budget = data.get("fraction_budget")
    if budget is not None and not (isinstance(budget, (int, float)) and 0 < budget <= 1):
        raise CourseError(f"{entry}: loop {data['glue']!r}: fraction_budget must be in (0, 1], got {budget!r}.")
    return Loop(data["glue"], None if budget is None else float(budget))


def parse_course(data: Any, dataset_names: set[str] | None = None) -> tuple[Chapter, ...]:
    """Check the parsed YAML of ``course.yml`` and turn it into chapters; raise :class:`CourseError`."""
    if not isinstance(data, dict) or not isinstance(data.get("chapters"), list) or not data["chapters"]:
        raise CourseError("course.yml must hold a non-empty list under 'chapters'.")
    chapters, glue_names = [], set()
    for index, raw in enumerate(data["chapters"]):
        if not isinstance(raw, dict):
            raise CourseError(f"course.yml, chapter {index + 1}: expected a mapping, got {raw!r}.")
        file = _require(f"course.yml, chapter {index + 1}", raw, "file", str)
        entry = f"course.yml, {file}"
        if unknown := set(raw) - _CHAPTER_KEYS:
            raise CourseError(f"{entry}: unknown keys {sorted(unknown)}; allowed: {sorted(_CHAPTER_KEYS)}.")
        stem = Path(file).name
        if not (stem[:2].isdigit() and stem[2:3] == "_") or int(stem[:2]) != index + 1:
            raise CourseError(f"{entry}: chapter {index + 1} must be named like chapters/{index + 1:02d}_name.")
        datasets = tuple(raw.get("datasets") or ())
        if dataset_names is not None and (unknown := set(datasets) - dataset_names):
            raise CourseError(f"{entry}: unknown datasets {sorted(unknown)}; known: {sorted(dataset_names)}.")
        headlines: list[Headline] = []
        for h_index, h_raw in enumerate(raw.get("headlines") or ()):
            headline = _headline(stem, h_index, h_raw, {h.glue for h in headlines})
            if headline.glue in glue_names:
                raise CourseError(f"{entry}: headline {headline.glue!r} is listed twice.")
            glue_names.add(headline.glue)
            headlines.append(headline)
        loops = tuple(_loop(entry, item) for item in raw.get("loops") or ())
        budget = raw.get("word_budget", 5000)
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
            raise CourseError(f"{entry}: word_budget must be a whole number of words, got {budget!r}.")
        chapters.append(Chapter(file=file, datasets=datasets, loops=loops, headlines=tuple(headlines),
                                word_budget=budget))
    return tuple(chapters)


@dataclass(frozen=True)
class Appendix(Notebook):
    """A page after the chapters that goes further on one subject; a notebook like a chapter, unnumbered."""

    title: str
    datasets: tuple[str, ...] = ()
    headlines: tuple[Headline, ...] = ()  # an appendix publishes none


def parse_appendices(data: Any, dataset_names: set[str] | None = None) -> tuple[Appendix, ...]:
    """The ``appendices`` of ``course.yml`` (a list of {file, title, datasets}), checked."""
    appendices = []
    for index, raw in enumerate(data.get("appendices") or ()):
        entry = f"course.yml, appendix {index + 1}"
        if not isinstance(raw, dict) or set(raw) - _APPENDIX_KEYS:
            raise CourseError(f"{entry}: an appendix is {{file, title, datasets}}, got {raw!r}.")
        file, title = _require(entry, raw, "file", str), _require(entry, raw, "title", str)
        if Path(file).name[:1].isdigit():
            raise CourseError(f"course.yml, {file}: an appendix's name does not start with a number (chapters do).")
        datasets = tuple(raw.get("datasets") or ())
        if dataset_names is not None and (unknown := set(datasets) - dataset_names):
            raise CourseError(f"course.yml, {file}: unknown datasets {sorted(unknown)}.")
        appendices.append(Appendix(file, title, datasets))
    return tuple(appendices)


@dataclass(frozen=True)
class Budgets:
    """The book's speed budgets on a 2-core CPU (``make bench`` checks them on normalised times)."""

    reference_gflops: float  # the machine speed (sustained matmul) the budgets are stated at
    book_s: float  # every chapter executed cold, in all
    chapter_s: float  # the slowest chapter
    early_chapter_s: float  # the slowest of the first chapters
    early_chapters: int
    rebuild_s: float  # `make book` with nothing changed


def parse_budgets(data: Any) -> Budgets:
    raw = data.get("budgets")
    if not isinstance(raw, dict) or set(raw) != _BUDGET_KEYS:
        raise CourseError(f"course.yml: 'budgets' needs exactly {sorted(_BUDGET_KEYS)}, got {raw!r}.")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0 for v in raw.values()):
        raise CourseError(f"course.yml: every budget is a positive number, got {raw!r}.")
    return Budgets(**{k: (int(v) if k == "early_chapters" else float(v)) for k, v in raw.items()})


@lru_cache(maxsize=4)
def _course_data(path: Path) -> Any:
    import yaml

    if not path.is_file():
        raise CourseError(f"{path} is missing: the course's facts are read from a checkout of the repository.")
    return yaml.safe_load(path.read_text())


def _dataset_names() -> set[str]:
    from utils.data.catalog import DATASETS

    return set(DATASETS)


def _existing(entries: tuple[Notebook, ...]) -> tuple[Any, ...]:
    """``entries`` (chapters or appendices), once each one's notebook is checked to exist."""
    for entry in entries:
        if not entry.path.is_file():
            raise CourseError(f"course.yml, {entry.file}: {entry.path.name} does not exist.")
    return entries


@lru_cache(maxsize=4)
def load_appendices(path: Path = COURSE_FILE) -> tuple[Appendix, ...]:
    """The appendices of ``course.yml``, in book order, each checked to exist."""
    return _existing(parse_appendices(_course_data(path), _dataset_names()))


def load_budgets(path: Path = COURSE_FILE) -> Budgets:
    """The book's speed budgets (``course.yml``'s ``budgets``)."""
    return parse_budgets(_course_data(path))


def notebooks(path: Path = COURSE_FILE) -> tuple[Notebook, ...]:
    """Every notebook of the book in order: the chapters, then the appendices."""
    return load_course(path) + load_appendices(path)


@lru_cache(maxsize=4)
def load_course(path: Path = COURSE_FILE) -> tuple[Chapter, ...]:
    """The chapters of ``course.yml`` in book order, checked (see :func:`parse_course`)."""
    return _existing(parse_course(_course_data(path), _dataset_names()))


def chapter(stem: str, path: Path = COURSE_FILE) -> Chapter:
    """The chapter whose file name (without folder and suffix) is ``stem``."""
    for candidate in load_course(path):
        if candidate.stem == stem:
            return candidate
    raise CourseError(f"course.yml lists no chapter {stem!r}.")


def headlines(path: Path = COURSE_FILE) -> tuple[Headline, ...]:
    """Every headline number of the course, in book order."""
    return tuple(h for c in load_course(path) for h in c.headlines)


def check_toc(toc_files: list[str], path: Path = COURSE_FILE) -> None:
    """Raise unless the numbered chapters of ``_toc.yml`` are exactly course.yml's, in the same order."""
    numbered = [f for f in toc_files if Path(f).name[:2].isdigit()]
    listed = [c.file for c in load_course(path)]
    for file in listed:
        if file not in numbered:
            raise CourseError(f"course.yml, {file}: the chapter is missing from _toc.yml.")
    for file in numbered:
        if file not in listed:
            raise CourseError(f"_toc.yml lists {file}, which course.yml does not.")
    if numbered != listed:
        raise CourseError(f"_toc.yml orders the chapters {numbered}, course.yml {listed}.")
    for appendix in load_appendices(path):
        if appendix.file not in toc_files:
            raise CourseError(f"course.yml, {appendix.file}: the appendix is missing from _toc.yml.")


def check_published(chapter_: Chapter, glued: dict[str, Any]) -> None:
    """Raise unless a chapter's glued values hold every headline and loop course.yml names for it."""
    for name in [h.glue for h in chapter_.headlines] + [loop.glue for loop in chapter_.loops]:
        if name not in glued:
            raise CourseError(f"course.yml, {chapter_.file}: {name!r} is not published by {chapter_.path.name} "
                              f"(no glue_number/glue_text of that name in its outputs).")
    for h in chapter_.headlines:
        if not isinstance(glued[h.glue], (int, float)) or math.isnan(glued[h.glue]):
            raise CourseError(f"course.yml, {chapter_.file}: {h.glue!r} is glued as {glued[h.glue]!r}, not a number.")
