"""Plotting helpers draw what they are given and reject bad input with a clear ValueError."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from utils.plotting import pixel_table, plot_function, show_image, show_images  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("image", [
    torch.rand(28, 28), torch.rand(1, 28, 28), torch.rand(3, 32, 32), np.zeros((32, 32, 3)),
    Image.new("L", (28, 28)),
])
def test_show_image_accepts_common_layouts(image):
    show_image(image, title="digit")
    ax = plt.gcf().axes[0]
    assert ax.get_title() == "digit"
    assert ax.images[0].get_array().shape[:2] in {(28, 28), (32, 32)}


def test_show_image_puts_channels_last():
    show_image(torch.zeros(3, 8, 5))
    assert plt.gcf().axes[0].images[0].get_array().shape == (8, 5, 3)


@pytest.mark.parametrize("bad", [torch.rand(2, 1, 28, 28), torch.rand(28), torch.rand(5, 28, 28)])
def test_show_image_rejects_wrong_rank(bad):
    with pytest.raises(ValueError, match="show_image needs"):
        show_image(bad)


def test_show_images_grid_and_titles():
    show_images([torch.rand(28, 28)] * 5, titles=list("abcde"), nrows=2)
    axes = plt.gcf().axes
    assert len(axes) == 6  # 2 rows x 3 columns, the last one empty
    assert [ax.get_title() for ax in axes[:5]] == list("abcde")


def test_show_images_rejects_mismatched_titles():
    with pytest.raises(ValueError, match="3 images but 2 titles"):
        show_images([torch.rand(4, 4)] * 3, titles=["a", "b"])


def test_show_images_rejects_a_grid_too_small():
    with pytest.raises(ValueError, match="cannot hold"):
        show_images([torch.rand(4, 4)] * 5, nrows=2, ncols=2)


def test_plot_function_draws_the_function():
    plot_function(lambda x: 3 * x**2 + 2 * x + 1, -2, 2, steps=5)
    line = plt.gcf().axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), [9, 2, 1, 6, 17])


def test_plot_function_rejects_empty_interval_and_wrong_output():
    with pytest.raises(ValueError, match="xmin < xmax"):
        plot_function(torch.sin, 1, 1)
    with pytest.raises(ValueError, match="one value per x"):
        plot_function(lambda x: x.sum(), -1, 1)


def test_pixel_table_has_one_cell_per_pixel_in_a_header_row_and_column():
    html = pixel_table(torch.arange(12.0).reshape(3, 4)).data
    rows = re.findall(r"<tr>(.*?)</tr>", html)
    assert len(rows) == 1 + 3  # the column numbers, then one row per pixel row
    assert re.findall(r'<th scope="col">(\d+)</th>', rows[0]) == ["0", "1", "2", "3"]
    for r, row in enumerate(rows[1:]):
        assert re.search(rf'<th scope="row">{r}</th>', row)
        assert re.findall(r">(\d+)</td>", row) == [str(4 * r + c) for c in range(4)]
    with pytest.raises(ValueError, match="at most 40x40"):
        pixel_table(torch.zeros(41, 41))


def test_pixel_table_keeps_every_number_readable():
    html = pixel_table(torch.tensor([[0.0, 255.0], [100.0, 200.0]])).data
    assert 'background:rgb(255,255,255);color:#000">0<' in html  # white cell, black digits
    assert 'background:rgb(0,0,0);color:#fff">255<' in html  # black cell, white digits
    with pytest.raises(ValueError, match="2-D"):
        pixel_table(torch.zeros(2, 2, 2))


def test_show_image_fixed_scale():
    show_image(torch.full((4, 4), 100.0), vmin=0, vmax=255)
    assert plt.gcf().axes[0].images[0].get_clim() == (0, 255)


def _luminance(grey: int) -> float:
    c = grey / 255
    c = c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return c  # a grey has equal channels, so this is its relative luminance


def test_pixel_table_text_meets_wcag_contrast_on_every_shade():
    import re

    html = pixel_table(torch.arange(256.0).reshape(16, 16)).data
    cells = re.findall(r"background:rgb\((\d+),\d+,\d+\);color:(#000|#fff)", html)
    assert len(cells) == 256
    for grey, ink in cells:
        back, text = _luminance(int(grey)), (0.0 if ink == "#000" else 1.0)
        ratio = (max(back, text) + 0.05) / (min(back, text) + 0.05)
        assert ratio >= 4.5, f"grey {grey} with {ink} text: contrast {ratio:.2f}"
