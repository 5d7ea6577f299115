"""The kinds of checkable exercise, on one small base (see :mod:`utils.exercises`).

* :class:`FunctionExercise`: write a function (a broadcasting trick, a loss, a module's forward, an optimizer
  step, a formula); it is run on fixed cases and a random one and compared with the reference.
* :class:`ValueExercise`: compute a value (a gradient by hand, a count, an accuracy), read from the answer or
  from a named variable, compared with the reference within a tolerance.
* :class:`ChoiceExercise`: predict an outcome before running it (a letter among choices), checked after.

Every check returns a :class:`Feedback` from :meth:`Exercise.feedback` (what the tests use) and prints it from
:meth:`Exercise.check` (what a learner runs), catching any error the answer raises.
"""

from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

CORRECT, NOT_YET, NOT_ATTEMPTED = "Correct", "Not yet", "Not attempted yet"
_MISSING = object()


@dataclass(frozen=True)
class Feedback:
    """What a check found: one of CORRECT, NOT_YET and NOT_ATTEMPTED, and what to say."""

    verdict: str
    message: str = ""

    def __str__(self) -> str:
        return f"{self.verdict}: {self.message}" if self.message else f"{self.verdict}."


def correct(message: str = "") -> Feedback:
    return Feedback(CORRECT, message)


def not_yet(message: str) -> Feedback:
    return Feedback(NOT_YET, message)


def not_attempted(what: str) -> Feedback:
    return Feedback(NOT_ATTEMPTED, f"{what}, then run this cell again.")


class Exercise:
    """One checkable exercise: ``check``, ``hint`` and ``solution``, none of which ever raises."""

    def __init__(self, number: int, *, hints: Sequence[str], solution: str | Callable[..., Any], why: str,
                 answer_name: str | None = None) -> None:
        if not hints:
            raise ValueError("an exercise needs at least one hint")
        self.number, self.hints, self.why, self.answer_name = number, tuple(hints), why, answer_name
        self.reference = solution if callable(solution) else None
        self._solution_code = solution if isinstance(solution, str) else _source(solution)

    def __repr__(self) -> str:
        return f"<exercise {self.number}: .check(), .hint(), .solution()>"

    # ------------------------------------------------------------------ what a learner calls

    def check(self, answer: Any = _MISSING) -> None:
        """Check ``answer`` (or, for an exercise that names its variable, that variable) and say how it went."""
        if answer is _MISSING and self.answer_name:
            answer = sys._getframe(1).f_globals.get(self.answer_name, _MISSING)
        print(self.feedback(answer))

    def hint(self, n: int = 1) -> None:
        """Show hint ``n`` (1 is the first), and say whether another one exists."""
        if not isinstance(n, int) or not 1 <= n <= len(self.hints):
            print(f"Exercise {self.number} has hints 1 to {len(self.hints)}: ex.q{self.number}.hint(1).")
            return
        more = (f" (another hint: ex.q{self.number}.hint({n + 1}))" if n < len(self.hints)
                else f" (that was the last hint; ex.q{self.number}.solution() shows a solution)")
        print(f"Hint {n}: {self.hints[n - 1]}{more}")

    def solution(self) -> None:
        """Show a solution and why it works, after saying that this is what comes."""
        print(f"Here is a solution to exercise {self.number} (try the hints first: ex.q{self.number}.hint()).\n")
        print(self._solution_code.rstrip() + "\n")
        print(f"Why: {self.why}")

    def reference_answer(self) -> Any:
        """The course's own answer, as a learner would pass it to ``check`` (the book's hidden solution cell
        checks it, so every build shows that the solution passes)."""
        return self.reference

    def feedback(self, answer: Any = _MISSING) -> Feedback:
        """The check's verdict on ``answer``; an error in the answer becomes a Not yet, never an exception."""
        if answer is _MISSING or answer is Ellipsis:
            where = f"set `{self.answer_name}`" if self.answer_name else "write your answer in the cell"
            return not_attempted(f"{where} (replace the `...`)")
        try:
            return self._feedback(answer)
        except Exception as err:  # the learner's code may raise anything; the check itself must not
            return not_yet(f"your answer raised {type(err).__name__}: {err}")

    def _feedback(self, answer: Any) -> Feedback:
        raise NotImplementedError


# ---------------------------------------------------------------------------------- comparing results


def _source(fn: Callable[..., Any]) -> str:
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return f"# the source of {getattr(fn, '__name__', fn)!r} is not available"


def _tree(fn: Callable[..., Any]) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None


def is_placeholder(fn: Callable[..., Any]) -> bool:
    """Whether a function's body is still only ``...`` or ``pass`` (a docstring and comments aside)."""
    tree = _tree(fn)
    function = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))), None) if tree else None
    if not isinstance(function, ast.FunctionDef):
        return False
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                             and isinstance(s.value.value, str))]
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                           and s.value.value is Ellipsis) for s in body)


def uses_a_loop(fn: Callable[..., Any]) -> bool:
    """Whether a function's own code loops in Python (for, while, or a comprehension)."""
    tree = _tree(fn)
    loops = (ast.For, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    return tree is not None and any(isinstance(node, loops) for node in ast.walk(tree))


def describe_difference(result: Any, expected: Any, atol: float = 1e-5, rtol: float = 1e-4) -> str | None:
    """What is wrong with ``result`` against ``expected``, without giving the expected values away; ``None`` when
    they agree. Tensors: type, shape, dtype kind, a constant factor or offset; numbers likewise."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(result, torch.Tensor):
            return f"it returns {type(result).__name__}, not a tensor"
        if tuple(result.shape) != tuple(expected.shape):
            return f"it returns shape {tuple(result.shape)} where {tuple(expected.shape)} is expected"
        if expected.dtype == torch.bool or result.dtype == torch.bool:
            if result.dtype != expected.dtype:
                return f"it returns dtype {result.dtype} where {expected.dtype} is expected"
            wrong = int((result.cpu() != expected.cpu()).sum())
            return None if wrong == 0 else f"{wrong} of its {result.numel()} values are wrong"
        if expected.is_floating_point() and not result.is_floating_point():
            return f"it returns whole numbers (dtype {result.dtype}) where a floating-point tensor is expected"
        r, e = result.detach().double().cpu(), expected.detach().double().cpu()
        if torch.allclose(r, e, atol=atol, rtol=rtol):
            return None
        return _pattern(r.reshape(-1), e.reshape(-1), atol, rtol)
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if isinstance(result, torch.Tensor) and result.numel() == 1:
            result = result.item()
        if isinstance(result, bool) or not isinstance(result, (int, float)):
            return f"it gives {type(result).__name__}, not a number"
        if math.isclose(result, expected, rel_tol=rtol, abs_tol=atol):
            return None
        return _pattern(torch.tensor([float(result)], dtype=torch.float64),
                        torch.tensor([float(expected)], dtype=torch.float64), atol, rtol)
    return None if result == expected else "it gives another answer than expected"


def _pattern(r: torch.Tensor, e: torch.Tensor, atol: float, rtol: float) -> str:
    if not torch.isfinite(r).all():
        return "it gives values that are not finite (nan or inf)"
    if r.numel() == 1:  # a sign, a factor or an offset would give a single expected number away
        return "it is not the expected value yet"
    if torch.allclose(r, -e, atol=atol, rtol=rtol):
        return "its sign is the wrong way round"
    big = e.abs() > atol
    if big.any():
        ratios = r[big] / e[big]
        factor = ratios.median().item()
        if abs(factor - 1) > 0.01 and torch.allclose(r, e * factor, atol=atol, rtol=rtol):
            size = "large" if abs(factor) > 1 else "small"
            return f"it is off by a constant factor: about {factor:.3g} times too {size}"
    if r.numel() > 1:
        shift = (r - e).median().item()
        if torch.allclose(r, e + shift, atol=atol, rtol=rtol):
            return f"it is off by a constant: every value is {abs(shift):.3g} too {'large' if shift > 0 else 'small'}"
    return "its values are not the expected ones"


@dataclass(frozen=True)
class Case:
    """One call of a function exercise: its arguments, and what to call this case in a message."""

    args: tuple[Any, ...]
    label: str


def _clone(value: Any) -> Any:
    return value.clone() if isinstance(value, torch.Tensor) else value


def _unchanged(before: Any, after: Any) -> bool:
    if isinstance(before, torch.Tensor):
        return before.shape == after.shape and bool(torch.equal(before, after))
    return True


class FunctionExercise(Exercise):
    """Write a function; it is run on ``cases`` (and ``random_case()``, when given) and compared with the
    reference on each.

    * ``tensor_ops_only`` refuses Python loops (the exercise asks for broadcasting);
    * ``refuse``: (word, message) pairs for code the exercise rules out (``backward`` in a gradient by hand);
    * ``mistakes``: (wrong function, message) pairs: an answer whose values are wrong and that agrees with a
      typical wrong function on every fixed case gets that function's message;
    * ``expected_by``: where the expected values come from, when not from ``solution`` (autograd, say, while
      ``solution()`` shows the formula by hand);
    * ``independent_of``: the number of an argument the result must not be a view of (the exercise asks for a
      copy).
    """

    def __init__(self, number: int, *, solution: Callable[..., Any], cases: Callable[[], Sequence[Case]],
                 random_case: Callable[[], Case] | None = None, tensor_ops_only: bool = False,
                 refuse: Sequence[tuple[str, str]] = (), mistakes: Sequence[tuple[Callable[..., Any], str]] = (),
                 expected_by: Callable[..., Any] | None = None, independent_of: int | None = None,
                 atol: float = 1e-5, rtol: float = 1e-4, **kwargs: Any) -> None:
        super().__init__(number, solution=solution, **kwargs)
        self.cases, self.random_case, self.tensor_ops_only = cases, random_case, tensor_ops_only
        self.refuse, self.mistakes, self.independent_of = tuple(refuse), tuple(mistakes), independent_of
        self.expected_by = expected_by or solution
        self.atol, self.rtol = atol, rtol

    def _all_cases(self) -> list[Case]:
        if self.random_case is None:
            return list(self.cases())
        with torch.random.fork_rng(devices=[]):  # the learner's own random numbers are left as they were
            return [*self.cases(), self.random_case()]

    def _feedback(self, answer: Any) -> Feedback:
        if not callable(answer):
            return not_yet(f"pass your function itself, like ex.q{self.number}.check(my_function), not "
                           f"{type(answer).__name__}")
        if is_placeholder(answer):
            return not_attempted("write the function's body (replace the `...`)")
        code = _source(answer)
        for word, message in self.refuse:
            if word in code:
                return not_yet(message)
        if self.tensor_ops_only and uses_a_loop(answer):
            return not_yet("it uses a Python loop; this exercise asks for tensor operations on whole tensors "
                           "(broadcasting), which run far faster")
        cases = self._all_cases()
        for case in cases:
            inputs = tuple(_clone(a) for a in case.args)
            expected = self.expected_by(*(_clone(a) for a in case.args))
            try:
                result = answer(*inputs)
            except Exception as err:
                return not_yet(f"on {case.label}, it raised {type(err).__name__}: {err}")
            if result is None:
                return not_yet("it returns None: did you forget `return`?")
            changed = [i for i, (a, b) in enumerate(zip(case.args, inputs)) if not _unchanged(a, b)]
            if changed:
                return not_yet(f"it changes its input (argument {changed[0] + 1}) in place; compute a new tensor "
                               "instead of writing into the one you were given")
            if self.independent_of and _shares_memory(result, inputs[self.independent_of - 1]):
                return not_yet(f"its result shares memory with argument {self.independent_of} (it is a view): "
                               "writing into one would change the other; return a copy (`.clone()`)")
            problem = describe_difference(result, expected, self.atol, self.rtol)
            if problem:
                return not_yet(self._known_mistake(answer) or f"on {case.label}, {problem}")
        return correct(f"it agrees with the reference on {len(cases)} cases"
                       + (", including a random one." if self.random_case else "."))

    def _known_mistake(self, answer: Callable[..., Any]) -> str | None:
        """The message of the typical wrong function ``answer`` agrees with on every fixed case, if any."""
        for wrong, message in self.mistakes:
            try:
                if all(describe_difference(answer(*map(_clone, case.args)), wrong(*map(_clone, case.args)),
                                           self.atol, self.rtol) is None for case in self.cases()):
                    return message
            except Exception:  # an answer that raises on a case is not that mistake
                continue
        return None


def _shares_memory(a: Any, b: Any) -> bool:
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.numel() > 0
            and a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr())


class ValueExercise(Exercise):
    """Compute a value; ``expected()`` gives the reference (computed, never typed). ``checks`` are extra
    (test, message) pairs tried first, for the mistakes learners make (a sign, a missing 1/n)."""

    def __init__(self, number: int, *, expected: Callable[[], Any], atol: float = 1e-5, rtol: float = 1e-4,
                 checks: Sequence[Check] = (), **kwargs: Any) -> None:
        super().__init__(number, **kwargs)
        self.expected, self.atol, self.rtol, self.checks = expected, atol, rtol, tuple(checks)

    def reference_answer(self) -> Any:
        return self.expected()

    def _feedback(self, answer: Any) -> Feedback:
        expected = self.expected()
        for test, message in self.checks:
            if test(answer, expected):
                return not_yet(message)
        problem = describe_difference(answer, expected, self.atol, self.rtol)
        return not_yet(problem) if problem else correct()


Check = tuple[Callable[[Any, Any], bool], str]


def shape_checks(what: str, part_messages: dict[str, str], *, fails: str) -> list[Check]:
    """The checks of a ValueExercise whose answer is a dict of shapes, one per part ("a", "b", ...): a tuple
    of ints, or the string "fails". ``what`` names a part ("pair", "expression"); ``fails`` says when a
    part is "fails"; ``part_messages`` gives each part's nudge when it is wrong."""
    keys = f'"{min(part_messages)}" to "{max(part_messages)}"'

    def not_a_dict_of_parts(answer: Any, expected: Any) -> bool:
        return not isinstance(answer, dict) or set(answer) != set(expected)

    def well_written(value: Any) -> bool:
        if isinstance(value, str):
            return value == "fails"
        return isinstance(value, tuple) and all(isinstance(size, int) and not isinstance(size, bool)
                                                for size in value)

    def part_is_wrong(part: str) -> Callable[[Any, Any], bool]:
        return lambda answer, expected: answer[part] != expected[part]

    return [(not_a_dict_of_parts, f"give `shapes` as a dict with one entry per {what}, the keys {keys}"),
            (lambda answer, expected: not all(well_written(v) for v in answer.values()),
             f'write each shape as a tuple of ints, such as (7, 7), a shape of one axis as (7,) (not 7), and '
             f'{fails} as the string "fails"')] + [
        (part_is_wrong(part), f"({part}) is not right yet: {message}") for part, message in part_messages.items()]


class ChoiceExercise(Exercise):
    """Predict an outcome: the answer is one of ``choices`` (letters), checked against ``correct_choice`` with
    a word on each wrong one (``explanations``), which says why without naming the right letter."""

    def __init__(self, number: int, *, choices: Sequence[str], correct_choice: str,
                 explanations: dict[str, str], **kwargs: Any) -> None:
        super().__init__(number, solution=f"# the answer: {correct_choice}", **kwargs)
        self.choices, self.correct_choice, self.explanations = tuple(choices), correct_choice, explanations

    def reference_answer(self) -> Any:
        return self.correct_choice

    def _feedback(self, answer: Any) -> Feedback:
        letter = str(answer).strip().strip("()").lower()
        if letter not in self.choices:
            return not_yet(f"answer with one of {', '.join(repr(c) for c in self.choices)}")
        if letter == self.correct_choice:
            return correct(self.explanations.get(letter, ""))
        return not_yet(self.explanations.get(letter, "that is not what happens; run the cell and look again"))
