"""Comparing outputs for what they mean (booktools.outputs): text exactly, numbers within declared tolerances."""

from __future__ import annotations

import re

import pytest

from booktools.course import parse_course
from booktools.outputs import (
    Rule,
    ToleranceError,
    align_outputs,
    compare_outputs,
    compare_text,
    numbers,
    parse_rules,
    sanitize,
)

TRAINING = {"tolerance": {"why": "trained weights move with threads and kernels",
                          "rules": [{"match": r"\((\d+) wrong\)", "abs": 40}, {"abs": 0.004}]}}


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_numbers_are_found_with_their_sign_and_not_inside_words():
    found = [n.text for n in numbers("cifar2 3s: -0.0075 [+0.0563, 2e-07] 784-100-10 x1")]
    assert found == ["-0.0075", "+0.0563", "2e-07", "784", "100", "10"]


def test_equal_texts_agree_and_other_words_never_do():
    assert compare_text("accuracy 0.9653", "accuracy 0.9653").agrees
    result = compare_text("beyond the noise: 0.9653", "within the noise: 0.9653", parse_rules(TRAINING))
    assert not result.agrees and result.problems() == ["the text differs, not only its numbers"]


def test_without_a_tolerance_every_number_is_exact():
    result = compare_text("accuracy 0.9653 (347 wrong)", "accuracy 0.9649 (351 wrong)")
    assert not result.agrees
    assert result.problems() == ["0.9653 -> 0.9649 (outside exact)", "347 -> 351 (outside exact)"]


def test_a_tolerance_admits_numbers_that_moved_within_it_and_names_those_that_did_not():
    rules = parse_rules(TRAINING)
    assert compare_text("0.9653 (347 wrong) after 3 epochs", "0.9649 (351 wrong) after 3 epochs", rules).agrees
    assert compare_text("0.9653 (347 wrong)", "0.9601 (399 wrong)", rules).problems() == [
        "0.9653 -> 0.9601 (outside ±0.004)", "347 -> 399 (outside ±40)"]
    # an integer outside every match stays exact: an epoch count is not a measurement
    assert compare_text("after 3 epochs: 0.5", "after 4 epochs: 0.5", rules).problems() == ["3 -> 4 (outside exact)"]


def test_runs_of_spaces_may_differ_where_a_table_pads_its_columns():
    rules = parse_rules(TRAINING)
    assert compare_text("loss   0.873\nacc    0.12", "loss   0.874\nacc    0.12", rules).agrees


def test_relative_and_any_rules():
    rel = (Rule(match=re.compile(r"p = ([\d.e-]+)"), rel=0.5),)
    assert compare_text("p = 0.02: beyond", "p = 0.029: beyond", rel).agrees
    assert not compare_text("p = 0.02: beyond", "p = 0.031: beyond", rel).agrees
    anything = (Rule(any=True),)
    assert compare_text("speed 12.5", "speed 99.1", anything).agrees


@pytest.mark.parametrize(("spec", "message"), [
    ({"rules": [{"abs": 0.1}]}, "says why"),
    ({"why": "training moves these numbers", "rules": [{"abs": -1}]}, "numbers >= 0"),
    ({"why": "training moves these numbers", "rules": [{"match": r"\d+ wrong", "abs": 1}]}, "needs a group"),
    ({"why": "training moves these numbers", "rules": [{"match": "(", "abs": 1}]}, "not a regex"),
    ({"why": "training moves these numbers", "rules": [{"match": "(x)"}]}, "give abs, rel or any"),
    ({"why": "training moves these numbers", "rules": [{"tolerance": 1}]}, "match, abs, rel or any"),
    ({"why": "training moves these numbers", "rules": {"abs": 1}}, "rules"),
])
def test_malformed_tolerances_are_refused_with_what_is_wrong(spec, message):
    with pytest.raises(ToleranceError, match=message):
        parse_rules({"tolerance": spec})


def test_align_takes_the_stored_text_where_the_new_one_agrees_and_keeps_what_differs():
    stored = [_stream("acc 0.9653\n"), {"output_type": "execute_result", "data": {"text/plain": "0.5"},
                                        "metadata": {}, "execution_count": 3}]
    new = [_stream("acc 0.9660\n"), {"output_type": "execute_result", "data": {"text/plain": "0.7"},
                                     "metadata": {}, "execution_count": 9}]
    aligned, result = align_outputs(stored, new, parse_rules(TRAINING))
    assert aligned[0]["text"] == "acc 0.9653\n" and aligned[1]["data"]["text/plain"] == "0.7"
    assert result.problems == ("output 1 (text/plain): 0.5 -> 0.7 (outside ±0.004)",)
    assert new[0]["text"] == "acc 0.9660\n"  # the new outputs themselves are not changed


def test_streams_are_merged_and_a_missing_output_is_reported():
    stored = [_stream("a 1\n"), _stream("b 2\n")]
    assert compare_outputs(stored, [_stream("a 1\nb 2\n")]).agrees
    assert compare_outputs(stored, []).problems == ("0 outputs where 1 are stored",)


def _glue(name: str, value: str) -> dict:
    return {"output_type": "display_data", "metadata": {"scrapbook": {"name": name}},
            "data": {"application/papermill.record/text/plain": value}}


HEADLINES = {"chapters": [{"file": "chapters/01_one", "headlines": [
    {"glue": "acc", "quantity": "accuracy", "rule": "at_least", "reference": 0.9, "source": "us",
     "reproduce": 0.01},
    {"glue": "exact", "quantity": "exact", "rule": "equal", "reference": 0.5, "source": "us", "reproduce": "exact"},
    {"glue": "speed", "quantity": "speed-up", "rule": "at_least", "reference": 10, "source": "us",
     "reproduce": "rule"},
]}]}


def test_a_headline_number_is_compared_with_its_reproduce_tolerance_not_the_cells():
    (chapter,) = parse_course(HEADLINES)
    rule = chapter.headline_rules({"acc": 0.93, "exact": 0.5, "speed": 40.0})
    cell_rules = parse_rules({"tolerance": {"why": "a cell rule wider than the headline's", "rules": [{"abs": 1}]}})
    assert compare_outputs([_glue("acc", "0.93")], [_glue("acc", "0.938")], cell_rules, rule).agrees
    assert not compare_outputs([_glue("acc", "0.93")], [_glue("acc", "0.942")], cell_rules, rule).agrees
    assert not compare_outputs([_glue("exact", "0.5")], [_glue("exact", "0.5001")], cell_rules, rule).agrees
    # a timing: any value its rule admits
    assert compare_outputs([_glue("speed", "40.0")], [_glue("speed", "12.0")], (), rule).agrees
    assert not compare_outputs([_glue("speed", "40.0")], [_glue("speed", "9.0")], (), rule).agrees


def test_sanitize_hides_the_machine_and_addresses_as_nbval_does():
    out = sanitize([_stream("Device: Tesla T4, 2 CPU threads (see the note)\n<object at 0x7f00deadbeef>\n")])
    assert out[0]["text"] == "Device: DEVICE, N CPU threads (see the note)\n<object at 0xADDRESS>\n"
