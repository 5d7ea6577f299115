"""A figure with a slider that moves everywhere: live in Colab and Jupyter, and on the static book page.

In a compared run (the book build, nbval, ``make outputs``) with ipywidgets 8, every frame is drawn up front
and stored in the notebook; the slider, linked to a ``Stack`` of the frames in the browser (``jslink``),
switches between them with no kernel, so it moves on the published page too. Everywhere else (Colab ships
ipywidgets 7, which has no ``Stack``; a learner's Jupyter) the slider redraws the figure live with Python.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from typing import Any

from utils.seeding import compared_run


def static_widgets() -> bool:
    """Whether slider figures are precomputed: a compared run, with an ipywidgets that has ``Stack``."""
    import ipywidgets

    return compared_run() and hasattr(ipywidgets, "Stack")


PALETTE_COLOURS = 64  # a frame's colours: plenty for a chart, and about a quarter of the bytes of full colour


def _png(fig: Any, dpi: float) -> bytes:
    """The figure as a small PNG: a palette of ``PALETTE_COLOURS`` colours, no software stamp (equal
    pictures give equal bytes). Every frame of every slider is stored in the page, so bytes matter."""
    import matplotlib.pyplot as plt
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)  # else the inline backend shows every frame as an output too
    image = Image.open(buffer).convert("RGB").quantize(colors=PALETTE_COLOURS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw(draw: Callable[..., None], figsize: tuple[float, float], **kwargs: Any) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    draw(ax=ax, **kwargs)
    fig.tight_layout()
    return fig


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def slider_figure(draw: Callable[..., None], name: str, values: Sequence[Any], start: Any, alt: str,
                  figsize: tuple[float, float] = (4.5, 3.0), **fixed: Any) -> None:
    """Show ``draw(ax=ax, **{name: value}, **fixed)`` with a slider over ``values``, starting at ``start``.

    ``alt`` says what the figure shows; each frame's text alternative adds the slider's value. The
    figure is displayed here; nothing is returned, so the cell shows it once.
    """
    import ipywidgets as widgets
    import matplotlib
    from IPython.display import display

    values = list(values)
    if start not in values:
        raise ValueError(f"start={start!r} is not one of the slider's values {values}.")
    options = [(_label(v), i) for i, v in enumerate(values)]
    slider = widgets.SelectionSlider(options=options, index=values.index(start), description=name,
                                     continuous_update=True)
    if static_widgets():
        dpi = 2 * matplotlib.rcParams["figure.dpi"]  # twice the pixels of the layout size: sharp on any screen
        width = round(figsize[0] * matplotlib.rcParams["figure.dpi"])
        frames = []
        for value in values:
            data = base64.b64encode(_png(_draw(draw, figsize, **{name: value}, **fixed), dpi)).decode("ascii")
            frames.append(widgets.HTML(f'<img src="data:image/png;base64,{data}" width="{width}" '
                                       f'alt="{html.escape(alt)} ({name} = {_label(value)})">'))
        stack = widgets.Stack(frames, selected_index=values.index(start))
        widgets.jslink((slider, "index"), (stack, "selected_index"))  # runs in the browser, no kernel
        box = widgets.VBox([slider, stack])
        # a short, stable text/plain (the repr would repeat every frame, and nbval compares it)
        display({"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                              "model_id": box.model_id},
                 "text/plain": f"[a figure with a slider over {name}: {len(values)} frames]"}, raw=True)
        return
    import matplotlib.pyplot as plt

    out = widgets.Output()

    def redraw(change: Any = None) -> None:
        with out:
            out.clear_output(wait=True)
            _draw(draw, figsize, **{name: values[slider.index]}, **fixed)
            plt.show()

    slider.observe(redraw, names="index")
    redraw()
    display(widgets.VBox([slider, out]))
