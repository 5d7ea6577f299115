"""The exercise checks' base: what each kind says to a right answer, to typical wrong ones and to an empty cell,
and that none of them ever raises."""

from __future__ import annotations

import torch

from utils.exercises.base import (
    CORRECT,
    NOT_ATTEMPTED,
    NOT_YET,
    Case,
    ChoiceExercise,
    FunctionExercise,
    ValueExercise,
    describe_difference,
    is_placeholder,
    uses_a_loop,
)


def _reference(a, b):
    """Pairwise differences of two vectors: (n, m)."""
    return a[:, None] - b[None, :]


def _cases():
    g = torch.Generator().manual_seed(0)
    return [Case((torch.randn(4, generator=g), torch.randn(3, generator=g)), "vectors of 4 and 3"),
            Case((torch.randn(1, generator=g), torch.randn(5, generator=g)), "a vector of one")]


PAIRWISE = FunctionExercise(1, solution=_reference, cases=_cases,
                            random_case=lambda: Case((torch.randn(6), torch.randn(2)), "a random case"),
                            tensor_ops_only=True, hints=["Give a an axis of length 1.", "a[:, None]"],
                            why="Broadcasting lines up the new axes.")


def test_the_reference_is_correct_and_an_empty_cell_is_not_attempted():
    assert PAIRWISE.feedback(_reference).verdict == CORRECT

    def pairwise(a, b):
        """Your code here."""
        ...

    assert PAIRWISE.feedback(pairwise).verdict == NOT_ATTEMPTED
    assert PAIRWISE.feedback(...).verdict == NOT_ATTEMPTED


def _verdict(answer):
    result = PAIRWISE.feedback(answer)
    return result.verdict, result.message


def test_typical_mistakes_get_their_own_message():
    assert _verdict(lambda a, b: a - b) == (NOT_YET, "on vectors of 4 and 3, it raised RuntimeError: "
                                            + _error(lambda: torch.randn(4) - torch.randn(3)))
    verdict, message = _verdict(lambda a, b: b[None, :] - a[:, None])
    assert verdict == NOT_YET and "sign is the wrong way round" in message
    verdict, message = _verdict(lambda a, b: 2 * (a[:, None] - b[None, :]))
    assert "constant factor: about 2 times too large" in message
    verdict, message = _verdict(lambda a, b: a[None, :] - b[:, None])
    assert "returns shape (3, 4) where (4, 3) is expected" in message
    verdict, message = _verdict(lambda a, b: (a[:, None] - b[None, :]).tolist())
    assert "returns list, not a tensor" in message

    def in_place(a, b):
        a -= 1
        return a[:, None] - b[None, :] + 1

    assert "changes its input (argument 1) in place" in _verdict(in_place)[1]

    def looped(a, b):
        return torch.stack([x - b for x in a])

    assert "uses a Python loop" in _verdict(looped)[1]

    def forgot_return(a, b):
        a[:, None] - b[None, :]

    assert "returns None: did you forget `return`?" in _verdict(forgot_return)[1]
    assert "pass your function itself" in _verdict(torch.zeros(3))[1]


def _error(fn):
    try:
        fn()
    except RuntimeError as err:
        return str(err)


def test_a_check_prints_and_never_raises(capsys):
    PAIRWISE.check(lambda a, b: 1 / 0)
    assert capsys.readouterr().out.startswith("Not yet: on vectors of 4 and 3, it raised ZeroDivisionError")


def test_value_exercise_reads_its_variable_and_names_the_mistake(capsys):
    exercise = ValueExercise(2, expected=lambda: 6.0, answer_name="grad", hints=["d/dx of x^2 is 2x."],
                             solution="grad = 2 * 3.0", why="The derivative of x**2 is 2x.",
                             checks=[(lambda a, e: a == 9.0, "that is the function's value, not its slope")])
    exercise.check()  # this module has no variable `grad`: the cell is still empty
    assert capsys.readouterr().out.startswith(NOT_ATTEMPTED)
    globals()["grad"] = 6.0  # a notebook cell's `grad = ...` lands in the caller's globals
    try:
        exercise.check()
        assert capsys.readouterr().out == "Correct.\n"
    finally:
        del globals()["grad"]
    assert exercise.feedback(9.0).message == "that is the function's value, not its slope"
    # a single number: no sign, factor or offset that would give the expected value away
    assert exercise.feedback(-6.0).message == exercise.feedback(3.0).message == "it is not the expected value yet"
    assert exercise.feedback(6.0).verdict == CORRECT


def test_hints_are_staged_and_the_solution_says_what_it_is(capsys):
    PAIRWISE.hint()
    assert capsys.readouterr().out == "Hint 1: Give a an axis of length 1. (another hint: ex.q1.hint(2))\n"
    PAIRWISE.hint(2)
    assert "the last hint; ex.q1.solution() shows a solution" in capsys.readouterr().out
    PAIRWISE.hint(5)
    assert "has hints 1 to 2" in capsys.readouterr().out
    PAIRWISE.solution()
    out = capsys.readouterr().out
    assert out.startswith("Here is a solution to exercise 1") and "a[:, None] - b[None, :]" in out
    assert out.rstrip().endswith("Why: Broadcasting lines up the new axes.")


def test_choice_exercise_explains_a_wrong_prediction_without_naming_the_right_one():
    exercise = ChoiceExercise(3, choices="abc", correct_choice="b", hints=["Count the axes."], why="...",
                              explanations={"a": "the shapes broadcast, so nothing fails", "b": "(4, 3)."})
    assert exercise.feedback("a") == exercise.feedback(" (A) ") and exercise.feedback("a").verdict == NOT_YET
    assert exercise.feedback("b").verdict == CORRECT
    assert "one of 'a', 'b', 'c'" in exercise.feedback("z").message


def test_placeholders_loops_and_differences_are_recognised():
    def empty(x):
        """Docstring."""
        pass

    def comprehension(x):
        return sum(v for v in x)

    assert is_placeholder(empty) and not is_placeholder(_reference)
    assert uses_a_loop(comprehension) and not uses_a_loop(_reference)
    expected = torch.tensor([1.0, 2.0, 4.0])
    assert describe_difference(expected + 0.5, expected) == "it is off by a constant: every value is 0.5 too large"
    assert describe_difference(torch.ones(3, dtype=torch.long), torch.ones(3)).startswith("it returns whole numbers")
    assert describe_difference(torch.ones(2), torch.ones(2) + 1e-7) is None


def test_known_mistakes_refused_words_autograd_expectations_and_copies():
    def by_hand(p, t):
        """The gradient of ((p - t) ** 2).mean() with respect to p, by hand."""
        return 2 * (p - t) / p.numel()

    def by_autograd(p, t):
        p = p.clone().requires_grad_()
        ((p - t) ** 2).mean().backward()
        return p.grad

    def cases():
        g = torch.Generator().manual_seed(1)
        return [Case((torch.randn(5, generator=g), torch.randn(5, generator=g)), "five predictions")]

    exercise = FunctionExercise(7, solution=by_hand, expected_by=by_autograd, cases=cases, hints=["2(p - t)/n"],
                                why="The mean divides by n.", refuse=[("backward", "work it out by hand")],
                                mistakes=[(lambda p, t: 2 * (p - t), "you left out the mean's 1/n")])
    assert exercise.feedback(exercise.reference_answer()).verdict == CORRECT
    assert exercise.feedback(lambda p, t: 2 * (p - t)).message == "you left out the mean's 1/n"
    assert "constant factor" in exercise.feedback(lambda p, t: 3 * (p - t) / p.numel()).message  # not a known one
    assert exercise.feedback(by_autograd).message == "work it out by hand"

    def top_rows(image):
        return image[:2].clone()

    copy = FunctionExercise(8, solution=top_rows, cases=lambda: [Case((torch.arange(12.0).reshape(3, 4),), "a 3x4")],
                            independent_of=1, hints=["Slice, then copy."], why="A slice is a view.")
    assert copy.feedback(top_rows).verdict == CORRECT
    assert "shares memory with argument 1" in copy.feedback(lambda image: image[:2]).message


def test_a_random_case_leaves_the_learners_random_numbers_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    PAIRWISE.feedback(_reference)  # draws a random case
    assert torch.equal(torch.rand(3), expected)
