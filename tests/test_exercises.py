"""Every chapter's checkable exercises (utils.exercises.chNN): the course's own answer passes its check, the
typical wrong answers of tests/exercise_mistakes_chNN.py fail with their message, and the chapter shows each
exercise as an answer cell (stored: "Not attempted yet") and a hidden solution cell."""

from __future__ import annotations

import importlib
import re

import pytest
import torch
from helpers import CHAPTERS, load_notebook, source, tags, text_outputs

from booktools.solutions import is_solution
from utils.exercises.base import CORRECT, NOT_ATTEMPTED, NOT_YET, Exercise

MIN_EXERCISES, MIN_MISTAKES, MIN_HINTS = 4, 2, 2
RANDOM_DRAWS = 8  # seeds of the random case each typical wrong answer is tried on


def _exercises(chapter) -> dict[int, Exercise]:
    try:
        module = importlib.import_module(f"utils.exercises.ch{chapter.number:02d}")
    except ModuleNotFoundError:
        return {}  # reported by test_every_chapter_has_enough_checkable_exercises
    found = {int(name[1:]): value for name, value in vars(module).items()
             if re.fullmatch(r"q\d+", name) and isinstance(value, Exercise)}
    return dict(sorted(found.items()))


EXERCISES = [(c, n) for c in CHAPTERS for n in _exercises(c)]
IDS = [f"ch{c.number:02d}-q{n}" for c, n in EXERCISES]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_chapter_has_enough_checkable_exercises(chapter):
    exercises = _exercises(chapter)
    assert len(exercises) >= MIN_EXERCISES, f"{chapter.stem}: {len(exercises)} checkable exercises"
    assert all(ex.number == n for n, ex in exercises.items()), "q<N> must be the exercise numbered N"


@pytest.mark.parametrize(("chapter", "number"), EXERCISES, ids=IDS)
def test_the_courses_answer_passes_and_an_empty_cell_is_not_attempted(chapter, number):
    exercise = _exercises(chapter)[number]
    assert exercise.feedback(exercise.reference_answer()).verdict == CORRECT, exercise.feedback(
        exercise.reference_answer())
    assert exercise.feedback(...).verdict == NOT_ATTEMPTED
    assert len(exercise.hints) >= MIN_HINTS, "staged hints: at least two"


@pytest.mark.parametrize(("chapter", "number"), EXERCISES, ids=IDS)
def test_typical_wrong_answers_fail_with_their_message(chapter, number):
    mistakes = importlib.import_module(f"exercise_mistakes_ch{chapter.number:02d}").MISTAKES.get(number, [])
    assert len(mistakes) >= MIN_MISTAKES, f"tests/exercise_mistakes_ch{chapter.number:02d}.py: give q{number} " \
                                          f"at least {MIN_MISTAKES} typical wrong answers"
    exercise = _exercises(chapter)[number]
    for seed in range(RANDOM_DRAWS):  # the verdict must not hang on the random case a learner happens to draw
        torch.manual_seed(seed)
        for answer, message in mistakes:
            feedback = exercise.feedback(answer)
            assert feedback.verdict == NOT_YET and message in feedback.message, (seed, message, str(feedback))


@pytest.mark.parametrize(("chapter", "number"), EXERCISES, ids=IDS)
def test_the_chapter_shows_an_answer_cell_and_a_hidden_solution_cell(chapter, number):
    cells = [c for c in load_notebook(chapter.path)["cells"] if c["cell_type"] == "code"]
    check = f"ex.q{number}.check("
    answers = [c for c in cells if check in source(c) and not is_solution(c)]
    solutions = [c for c in cells if is_solution(c) and f"ex.q{number}.solution()" in source(c)]
    assert answers, f"{chapter.stem}: no answer cell calls {check}...)"
    assert any("".join(text_outputs(c)).startswith(NOT_ATTEMPTED) for c in answers), \
        f"{chapter.stem}: the answer cell of q{number} must be stored unanswered (printing '{NOT_ATTEMPTED}')"
    assert len(solutions) == 1 and f"ex.q{number}.check(ex.q{number}.reference_answer())" in source(solutions[0])
    assert "hide-cell" in tags(solutions[0])
