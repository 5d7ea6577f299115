"""Slider figures: precomputed frames in a compared run (they move on the static page), live elsewhere."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import pytest  # noqa: E402

from utils.widgets import slider_figure, static_widgets  # noqa: E402


@pytest.fixture()
def shown(monkeypatch):
    """The widgets slider_figure displays, in order."""
    from ipywidgets.widgets.widget import _instances

    seen = []

    def display(obj, raw=False):
        seen.append(_instances[obj["application/vnd.jupyter.widget-view+json"]["model_id"]] if raw else obj)

    monkeypatch.setattr("IPython.display.display", display)
    return seen


def _line(ax, slope, intercept=0.0):
    ax.plot([0, 1], [intercept, intercept + slope])
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def test_a_compared_run_stores_one_frame_per_value_linked_in_the_browser(monkeypatch, shown):
    monkeypatch.setenv("COURSE_REPRODUCIBLE", "1")
    assert static_widgets()
    assert slider_figure(_line, "slope", [-1, 0, 0.5, 2], start=0.5, alt="A straight line through the origin",
                        intercept=1.0) is None
    (box,) = shown
    slider, stack = box.children
    assert isinstance(stack, ipywidgets.Stack) and len(stack.children) == 4
    assert stack.selected_index == slider.index == 2
    assert [label for label, _ in slider.options] == ["-1", "0", "0.5", "2"]
    first = stack.children[0].value
    assert first.startswith('<img src="data:image/png;base64,') and 'alt="A straight line' in first
    assert "(slope = -1)" in first
    assert len({frame.value for frame in stack.children}) == 4  # each value draws its own picture


def test_a_learners_run_redraws_live(monkeypatch, shown):
    monkeypatch.delenv("COURSE_REPRODUCIBLE", raising=False)
    assert not static_widgets()
    slider_figure(_line, "slope", [0, 1, 2], start=1, alt="A straight line through the origin")
    (box,) = shown
    slider, out = box.children
    assert isinstance(out, ipywidgets.Output)
    slider.index = 2  # the observer redraws; nothing raises


def test_ipywidgets_7_without_stack_falls_back_to_live(monkeypatch):
    monkeypatch.setenv("COURSE_REPRODUCIBLE", "1")
    monkeypatch.delattr(ipywidgets, "Stack")
    assert not static_widgets()


def test_start_must_be_one_of_the_values():
    with pytest.raises(ValueError, match="not one of the slider's values"):
        slider_figure(_line, "slope", [0, 1], start=3, alt="a line")


def test_frames_are_small_palette_pngs(monkeypatch, shown):
    import base64
    import io

    from PIL import Image

    monkeypatch.setenv("COURSE_REPRODUCIBLE", "1")
    slider_figure(_line, "slope", [1, 2], start=1, alt="A straight line through the origin")
    frame = shown[0].children[1].children[0].value
    png = base64.b64decode(frame.split("base64,")[1].split('"')[0])
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P" and len(png) < 20_000
