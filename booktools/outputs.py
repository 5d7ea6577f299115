"""Comparing a cell's new outputs with its stored ones for what they mean.

A stored output is text with numbers in it. Two outputs agree when their text is the same once each number is
taken out (runs of spaces may differ: tables pad columns to their numbers' widths) and each pair of numbers
agrees. A number agrees when it is printed the same, or when the cell declares a tolerance for it and the new
value lies within it. Numbers that nothing random or order-dependent touches (a shape, a count, an exact
computation) have no tolerance: they must be printed the same.

A cell declares its tolerances in its metadata, where a maintainer reads them and a learner never sees them::

    "tolerance": {
      "why": "what moves these numbers, and what make variants measured",
      "rules": [{"match": "\\((\\d+) wrong\\)", "abs": 40}, {"abs": 0.004}]
    }

Each rule covers the numbers inside the first group of its ``match`` regex (searched in the stored text), or,
without ``match``, every number printed with a decimal point or an exponent: integers (epochs, shapes) stay
exact unless a ``match`` names them. The first rule that covers a number decides; a new value ``x`` agrees
with the stored ``s`` when ``|x - s| <= abs + rel * |s|``. A rule with ``"any": true`` accepts any value:
for a number whose meaning the text around it carries (the verdict printed next to a p-value, say).

A headline number a chapter publishes with ``glue_number`` is compared with the tolerance ``course.yml``
gives it (``reproduce``), not with the cell's.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A number: optional sign, digits with an optional fraction (or a bare fraction), an optional exponent; not
# glued to a word on either side ("cifar2", "3s", "x1" are text).
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
_SPACES = re.compile(r"[ \t]+")
GLUE_MIME = "application/papermill.record/text/plain"
# What a stored output holds that is compared (nbval compares these too); pictures and widget ids are not.
COMPARED_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", GLUE_MIME)


# nbval's sanitizers (pyproject.toml passes this file to --nbval-sanitize-with): what is replaced in both the
# stored and the new text before they are compared, such as memory addresses and the machine's description.
SANITIZE_FILE = Path(__file__).with_name("sanitize.cfg")


class ToleranceError(ValueError):
    """A cell's ``tolerance`` metadata is malformed; the message says what is wrong."""


@dataclass(frozen=True)
class Rule:
    """How far a number may move: ``|new - stored| <= abs + rel * |stored|``, or anything (``any``)."""

    match: re.Pattern[str] | None = None
    abs: float = 0.0
    rel: float = 0.0
    any: bool = False
    accept: Callable[[float], bool] | None = None  # instead of a distance: whether a new value is acceptable

    def allows(self, stored: float, new: float) -> bool:
        if self.any:
            return True
        if self.accept is not None:
            return self.accept(new)
        if math.isnan(stored) or math.isnan(new):
            return math.isnan(stored) and math.isnan(new)
        return abs(new - stored) <= self.abs + self.rel * abs(stored) + 1e-12

    def describe(self) -> str:
        if self.any:
            return "any value"
        if self.accept is not None:
            return "its rule"
        parts = [f"±{self.abs:g}"] if self.abs else []
        parts += [f"±{self.rel:.0%} of the stored value"] if self.rel else []
        return " + ".join(parts) or "exact"


EXACT = Rule()


def parse_rules(metadata: Mapping[str, Any] | None) -> tuple[Rule, ...]:
    """The rules of a cell's ``tolerance`` metadata (none: every number exact); raise :class:`ToleranceError`."""
    spec = (metadata or {}).get("tolerance")
    if spec is None:
        return ()
    if not isinstance(spec, Mapping) or set(spec) - {"why", "rules"} or not isinstance(spec.get("rules"), list):
        raise ToleranceError(f'tolerance metadata is {{"why": "...", "rules": [...]}}, got {spec!r}.')
    if not isinstance(spec.get("why"), str) or len(spec["why"].split()) < 4:
        raise ToleranceError("a tolerance says why in a sentence: what moves these numbers, and what was measured.")
    rules = []
    for raw in spec["rules"]:
        if not isinstance(raw, Mapping) or set(raw) - {"match", "abs", "rel", "any"}:
            raise ToleranceError(f"a rule has match, abs, rel or any; got {raw!r}.")
        match = raw.get("match")
        if match is not None:
            try:
                pattern = re.compile(match)
            except re.error as err:
                raise ToleranceError(f"rule {raw!r}: its match is not a regex ({err}).") from None
            if pattern.groups < 1:
                raise ToleranceError(f"rule {raw!r}: its match needs a group around the number(s) it covers.")
        sizes = [raw.get(k, 0) for k in ("abs", "rel")]
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 for v in sizes):
            raise ToleranceError(f"rule {raw!r}: abs and rel are numbers >= 0.")
        if not raw.get("any") and not any(sizes):
            raise ToleranceError(f"rule {raw!r}: give abs, rel or any (a rule of zero is the default already).")
        rules.append(Rule(re.compile(match) if match else None, float(sizes[0]), float(sizes[1]),
                          bool(raw.get("any"))))
    return tuple(rules)


@dataclass(frozen=True)
class Number:
    """A number in an output: its text, its value, and where it stands."""

    text: str
    start: int
    end: int

    @property
    def value(self) -> float:
        return float(self.text)

    @property
    def is_integer(self) -> bool:
        return not any(c in self.text for c in ".eE")


def numbers(text: str) -> list[Number]:
    return [Number(m.group(), m.start(), m.end()) for m in NUMBER.finditer(text)]


def skeleton(text: str) -> str:
    """The text with every number replaced by '#' and runs of spaces shortened to one."""
    return _SPACES.sub(" ", NUMBER.sub("#", text)).strip()


@dataclass(frozen=True)
class Deviation:
    """A number that was printed differently: the rule that covers it, and whether that rule allows it."""

    stored: Number
    new: Number
    rule: Rule
    allowed: bool

    @property
    def distance(self) -> float:
        return abs(self.new.value - self.stored.value)

    def describe(self) -> str:
        verdict = "within" if self.allowed else "outside"
        return f"{self.stored.text} -> {self.new.text} ({verdict} {self.rule.describe()})"


@dataclass(frozen=True)
class TextComparison:
    """How a new text compares with the stored one."""

    same_text: bool  # the same once numbers are taken out
    deviations: tuple[Deviation, ...]  # numbers printed differently (empty when the texts are equal)

    @property
    def agrees(self) -> bool:
        return self.same_text and all(d.allowed for d in self.deviations)

    def problems(self) -> list[str]:
        if not self.same_text:
            return ["the text differs, not only its numbers"]
        return [d.describe() for d in self.deviations if not d.allowed]


def _rule_for(number: Number, text: str, rules: Sequence[Rule]) -> Rule:
    for rule in rules:
        if rule.match is None:
            if not number.is_integer:
                return rule
            continue
        for found in rule.match.finditer(text):
            if any(found.start(g) <= number.start and number.end <= found.end(g)
                   for g in range(1, rule.match.groups + 1) if found.start(g) >= 0):
                return rule
    return EXACT


def compare_text(stored: str, new: str, rules: Sequence[Rule] = ()) -> TextComparison:
    """Compare a new output text with the stored one under ``rules`` (see the module's docstring)."""
    if stored == new:
        return TextComparison(True, ())
    old, fresh = numbers(stored), numbers(new)
    if skeleton(stored) != skeleton(new) or len(old) != len(fresh):
        return TextComparison(False, ())
    deviations = []
    for s, n in zip(old, fresh):
        if s.text != n.text:
            rule = _rule_for(s, stored, rules)
            deviations.append(Deviation(s, n, rule, rule is not EXACT and rule.allows(s.value, n.value)))
    return TextComparison(True, tuple(deviations))


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _parts(output: Mapping[str, Any]) -> dict[str, str]:
    """The compared texts of one output, by stream name or MIME type."""
    if output.get("output_type") == "stream":
        return {f"stream:{output.get('name')}": _text(output.get("text", ""))}
    if output.get("output_type") == "error":
        return {"error": f"{output.get('ename')}: {output.get('evalue')}"}
    data = output.get("data", {})
    return {mime: _text(data[mime]) for mime in COMPARED_MIMES if mime in data}


def glue_name(output: Mapping[str, Any]) -> str | None:
    """The name a ``glue_number``/``glue_text`` output publishes, if it is one."""
    return output.get("metadata", {}).get("scrapbook", {}).get("name")


HeadlineRule = Callable[[str], "Rule | None"]


@dataclass(frozen=True)
class OutputComparison:
    """One cell: the outputs that agree, and what is wrong with the others."""

    problems: tuple[str, ...]
    deviations: tuple[Deviation, ...]  # every number printed differently, allowed or not

    @property
    def agrees(self) -> bool:
        return not self.problems


def sanitize(outputs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Outputs with nbval's sanitizers (``SANITIZE_FILE``) applied to their texts, as nbval compares them."""
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns(SANITIZE_FILE.read_text())
    clean = []
    for out in outputs:
        out = copy.deepcopy(dict(out))
        if "text" in out:
            out["text"] = _apply(patterns, _text(out["text"]))
        if "data" in out:
            out["data"] = {mime: _apply(patterns, _text(v)) if mime in COMPARED_MIMES else v
                           for mime, v in out["data"].items()}
        clean.append(out)
    return clean


def _apply(patterns: Iterable[tuple[str, str]], text: str) -> str:
    for regex, replacement in patterns:
        text = re.sub(regex, replacement, text)
    return text


def merge_streams(outputs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Outputs with the text of each stream joined in one (as nbval and the page show them)."""
    merged: list[dict[str, Any]] = []
    streams: dict[str, dict[str, Any]] = {}
    for out in outputs:
        if out.get("output_type") == "stream":
            name = out.get("name")
            if name in streams:
                streams[name]["text"] += _text(out.get("text", ""))
                continue
            streams[name] = {"output_type": "stream", "name": name, "text": _text(out.get("text", ""))}
            merged.append(streams[name])
        else:
            merged.append(dict(out))
    return merged


def compare_outputs(stored: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]],
                    rules: Sequence[Rule] = (), headline_rule: HeadlineRule | None = None) -> OutputComparison:
    """Compare a cell's new outputs with its stored ones (streams merged), output by output and part by part.

    ``headline_rule(glue name)`` gives the rule for a published headline number (``None``: not a headline).
    """
    return align_outputs(merge_streams(stored), merge_streams(new), rules, headline_rule)[1]


def align_outputs(stored: Sequence[Mapping[str, Any]], new: Sequence[Any], rules: Sequence[Rule] = (),
                  headline_rule: HeadlineRule | None = None) -> tuple[list[Any], OutputComparison]:
    """Compare outputs whose streams are merged already; also return ``new`` with every part that agrees
    replaced by its stored text, so that an exact comparison (nbval's) then sees only what disagrees."""
    if len(stored) != len(new):
        return list(new), OutputComparison((f"{len(new)} outputs where {len(stored)} are stored",), ())
    aligned, problems, deviations = [], [], []
    for index, (old, fresh) in enumerate(zip(stored, new)):
        fresh = copy.deepcopy(fresh)
        aligned.append(fresh)
        old_parts, new_parts = _parts(old), _parts(fresh)
        if set(old_parts) != set(new_parts):
            problems.append(f"output {index}: {sorted(new_parts)} where {sorted(old_parts)} are stored")
            continue
        name = glue_name(old)
        special = headline_rule(name) if headline_rule and name else None
        for part, text in old_parts.items():
            result = compare_text(text, new_parts[part], (special,) if special else rules)
            deviations += result.deviations
            if not result.agrees:
                problems += [f"output {index} ({part}): {p}" for p in result.problems()]
            elif part.startswith("stream:"):
                fresh["text"] = old["text"]
            elif part != "error":
                fresh["data"][part] = old["data"][part]
    return aligned, OutputComparison(tuple(problems), tuple(deviations))
