"""The Colab check's own logic: what counts as stray stderr, how headlines and outputs are judged."""

from __future__ import annotations

import nbformat

from booktools import colab_check
from booktools.course import parse_course

COURSE = {"chapters": [{"file": "chapters/01_one", "headlines": [
    {"glue": "acc", "quantity": "accuracy", "rule": "at_least", "reference": 0.8, "tolerance": 0.005,
     "source": "a book", "reproduce": 0.01}]}]}


def test_headline_rows_say_whether_the_rerun_is_close_enough_and_meets_its_rule():
    (chapter,) = parse_course(COURSE)
    (row,) = colab_check.headline_rows(chapter, {"acc": 0.85}, {"acc": 0.859})
    assert row["meets"] and row["close"] and row["stored"] == 0.85 and row["observed"] == 0.859
    (row,) = colab_check.headline_rows(chapter, {"acc": 0.85}, {"acc": 0.861})  # meets, but moved too far
    assert row["meets"] and not row["close"]
    (row,) = colab_check.headline_rows(chapter, {"acc": 0.85}, {"acc": 0.79})
    assert not row["meets"]
    (row,) = colab_check.headline_rows(chapter, {"acc": 0.85}, {})
    assert not row["meets"] and not row["close"] and row["observed"] is None


def test_outputs_only_a_learners_run_or_only_the_book_build_makes_are_left_out():
    bar = {"output_type": "display_data", "data": {"text/html": "<progress value='3' max='9'></progress>"}}
    widget = {"output_type": "display_data", "data": {colab_check.WIDGET_MIME: {"model_id": "x"}, "text/plain": "VBox"}}
    glue = {"output_type": "display_data", "data": {colab_check.GLUE_MIME: "0.9"}, "metadata": {}}
    text = {"output_type": "stream", "name": "stdout", "text": "acc 0.9\n"}
    assert colab_check.learner_outputs([bar, text, widget, glue]) == [text]
    # fastprogress 1.1 (Colab's) also shows a style sheet and a live table of epochs with their times
    style = {"output_type": "display_data", "data": {"text/html": "<style>\n progress { border: none; }\n"
                                                                  " progress::-webkit-progress-bar { }</style>"}}
    live = {"output_type": "display_data", "data": {"text/html": '<div><table class="fastprogress"><thead><tr>'
                                                                 "<th>epoch</th><th>time</th></tr></thead></table>"}}
    frame = {"output_type": "execute_result", "data": {"text/html": '<table border="1" class="dataframe">'}}
    assert colab_check.learner_outputs([style, live, frame]) == [frame]


def _cell(text: str, tags: list[str] | None = None, tolerance: dict | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("print(...)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    cell.metadata = {**({"tags": tags} if tags else {}), **({"tolerance": tolerance} if tolerance else {})}
    return cell


def test_every_compared_cell_is_held_to_its_tolerance_and_uncompared_cells_are_not(monkeypatch, tmp_path):
    (chapter,) = parse_course(COURSE)
    monkeypatch.setattr(colab_check, "read_glued", lambda path: {})
    noisy = {"why": "trained weights move with the stack", "rules": [{"abs": 0.01}]}
    stored = [_cell("acc 0.9000\n", tolerance=noisy), _cell("3 epochs\n"), _cell("12.3 s\n", ["nbval-ignore-output"])]
    rerun = [_cell("acc 0.9050\n"), _cell("4 epochs\n"), _cell("99.9 s\n")]
    report = tmp_path / "moved.jsonl"
    compared, differences = colab_check.compare_cells(chapter, stored, rerun, report)
    assert compared == 2
    assert differences == ["code cell 1: output 0 (stream:stdout): 3 -> 4 (outside exact)"]
    assert len(report.read_text().splitlines()) == 2  # both cells whose numbers moved are recorded


def test_only_allowed_stderr_lines_pass():
    assert colab_check.unexpected_stderr("\n  \n") == []
    assert colab_check.unexpected_stderr("UserWarning: something\n") == ["UserWarning: something"]
