"""Checks of the built site (``make book`` writes ``_build/html``; ``make test`` builds it first)."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import CHAPTERS, HTML, NOTEBOOKS, PAGES, ROOT, chapter_title, ids, load_notebook, source

from booktools.book import MEETS, results_rows
from booktools.glue import read_build_glue
from booktools.site import foreign_loads, page_resources

pytestmark = [pytest.mark.site, pytest.mark.usefixtures("built_site")]


def page(nb: Path) -> str:
    return (HTML / "chapters" / f"{nb.stem}.html").read_text()


def test_a_good_build_leaves_no_reports():
    reports = HTML / "reports"
    assert not reports.exists() or not any(reports.iterdir()), "execution reports mean a chapter failed"


def test_index_and_intro_exist():
    assert (HTML / "chapters" / "intro.html").exists()
    assert "From Tensors to Training Loops" in (HTML / "chapters" / "intro.html").read_text()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_chapter_page_has_its_title(nb):
    assert f"<h1>{chapter_title(nb)}" in page(nb)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_chapter_page_has_no_traceback_or_stderr(nb):
    html = page(nb)
    assert "output stderr" not in html
    assert 'class="output traceback' not in html


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_colab_launch_link_points_at_this_notebook_on_main(nb, book_config):
    repo = book_config["repository"]["url"].removeprefix("https://github.com/")
    expected = f"https://colab.research.google.com/github/{repo}/blob/main/chapters/{nb.name}"
    links = set(re.findall(r'https://colab\.research\.google\.com/[^"]+', page(nb)))
    assert links == {expected}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_download_button_serves_the_notebook(nb):
    assert f'href="../_sources/chapters/{nb.name}"' in page(nb)
    assert (HTML / "_sources" / "chapters" / nb.name).exists()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_colab_install_cell_is_not_shown(nb):
    assert "google.colab" not in page(nb)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_solutions_are_hidden_until_opened(nb):
    html = page(nb)
    dropdowns = html.count('class="dropdown admonition') + html.count("tag_hide-cell")
    assert dropdowns >= 10  # exercises and questionnaire answers


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_figure_of_the_notebook_is_on_its_page_and_not_empty(nb):
    stored = _image_cells(nb)  # every image output of the notebook (and of this build's run of it)
    shown = {Path(attrs.get("src") or "").stem: attrs for attrs, _ in _figures(nb)}
    figures_in_notebook = sum(1 for cell in load_notebook(nb)["cells"] for out in cell.get("outputs", [])
                              if {"image/png", "image/jpeg"} & set(out.get("data", {})))
    assert len(shown) >= min(1, figures_in_notebook), f"{nb.name} has figures, its page shows none"
    for name, attrs in shown.items():
        src = attrs.get("src") or ""
        if "_images/" in src:
            assert name in stored, f"{src}: an image on the page that no cell of {nb.name} made"
            assert (HTML / "_images" / src.rsplit("_images/", 1)[1]).stat().st_size > 100


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


def test_internal_links_and_anchors_resolve():
    """An offline link check: every internal link and #anchor of every page points at something real."""
    # _static/ holds the theme's Jinja templates (not pages), so only real pages are checked
    pages = {p: _parse(p) for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts}
    broken = []
    for path, parsed in pages.items():
        for link in parsed.links:
            if re.match(r"^[a-z]+:", link) or link.startswith("//"):
                continue  # external (http, mailto, javascript, data): not checked offline
            target, _, anchor = link.partition("#")
            target = target.split("?")[0]
            dest = (path.parent / target).resolve() if target else path
            if dest.is_dir():
                dest = dest / "index.html"
            if not dest.exists():
                broken.append(f"{path.relative_to(HTML)} -> {link}")
            elif anchor and dest.suffix == ".html" and anchor not in pages.get(dest, _parse(dest)).ids:
                broken.append(f"{path.relative_to(HTML)} -> {link} (no such anchor)")
    assert broken == []


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(errors="replace"))
    return parser


def _this_builds_values() -> dict[str, dict]:
    return {chapter.stem: read_build_glue(ROOT / "_build" / "jupyter_execute", chapter.file) for chapter in CHAPTERS}


def html_text(fragment: str) -> str:
    """The text a reader sees in an HTML fragment: tags dropped, entities such as &quot; decoded."""
    return unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_results_page_shows_each_number_of_this_build_with_the_status_of_that_number():
    page = (HTML / "chapters" / "results.html").read_text()
    rows = results_rows(_this_builds_values())
    assert len(rows) >= 15
    table = page[page.index("course-results"):]
    cells = [html_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    shown = [cells[i:i + 5] for i in range(0, 5 * len(rows), 5)]
    for row, (number, quantity, value, rule, status) in zip(rows, shown):
        assert (number, quantity, value, status) == (row["number"], row["quantity"], row["value"], row["status"])
        assert rule.split() == f"{row['rule']} {row['source']}".split()
    met = sum(r["status"] == MEETS for r in rows)
    assert f"{met} of {len(rows)} headline numbers meet their rule in this build." in page


# ----------------------------------------------------------------------------- no third-party host

def test_no_page_loads_anything_from_another_host():
    """Scripts, stylesheets, fonts and images all come from the site itself (MathJax, require.js and the
    widget manager from _static/npm/, see _config.yml): a reader offline or behind a firewall sees it all.
    (The build itself fails on such a page; this checks the site that was built.)"""
    assert (HTML / "index.html").exists()
    assert foreign_loads(HTML) == []


@pytest.mark.parametrize("page", PAGES)
def test_math_and_widgets_come_from_the_site_itself(page):
    """Pages with formulas load the vendored MathJax; pages with widgets load require.js, our settings and
    the vendored widget manager, in that order; and those files are in the site."""
    html = (HTML / page).read_text()
    scripts = [s for s in page_resources(HTML / page).scripts if "_static/npm/" in s]
    expected = []
    if 'class="math' in html:
        expected.append("_static/npm/mathjax/tex-chtml.js")
    if "application/vnd.jupyter.widget-state+json" in html:
        expected += ["_static/npm/requirejs/require.js", "_static/npm/jupyter-widgets/widgets-config.js",
                     "_static/npm/jupyter-widgets/embed-amd.js"]
    loaded = ["_static/" + s.rsplit("_static/", 1)[1] for s in scripts]
    assert [s for s in loaded if s in expected] == expected, f"{page} loads {loaded}, expected {expected}"
    missing = [s for s in expected if not (HTML / s).is_file()]
    assert missing == [], (f"{page} loads {missing}, which the site does not have: run `make book` (or "
                           "jupyter-book build ., whose extension runs booktools/vendor.sh)")


# ----------------------------------------------------------------------------- figures

def _image_cells(nb: Path) -> dict[str, tuple[int, str]]:
    """The file name myst-nb gives each image output (its bytes' SHA-256) -> (cell index, first code line),
    from the notebook this build rendered (else the committed one)."""
    built = ROOT / "_build" / "jupyter_execute" / "chapters" / nb.name
    cells = {}
    for path in (nb, built):  # the built copy wins where both have the image
        if not path.exists():
            continue
        for index, cell in enumerate(load_notebook(path)["cells"]):
            for out in cell.get("outputs", []):
                for mime in ("image/png", "image/jpeg"):
                    if mime in out.get("data", {}):
                        data = out["data"][mime]
                        digest = hashlib.sha256(base64.b64decode("".join(data) if isinstance(data, list) else data))
                        first = next((line for line in source(cell).splitlines() if line.strip()), "")
                        cells[digest.hexdigest()] = (index, first[:60])
    return cells


def _figures(nb: Path) -> list[tuple[dict, str]]:
    """The page's figures (images of cell outputs), each with 'cell N (`first line`)' of the notebook."""
    cells = _image_cells(nb)
    figures = []
    for attrs in page_resources(HTML / "chapters" / f"{nb.stem}.html").images:
        src = attrs.get("src") or ""
        if "_images/" not in src and not src.startswith("data:"):
            continue  # the theme's own images (the Colab logo of the launch menu)
        index, first = cells.get(Path(src).stem, ("?", "not found in the notebook"))
        name = Path(src).name if "_images/" in src else src[:30]
        figures.append((attrs, f"cell {index} (`{first}`), image {name[:16]}...{name[-4:]}"))
    return figures


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_figure_says_what_it_shows(nb):
    """Every figure has a text alternative. myst-nb takes it from the cell's metadata,
    {"mystnb": {"image": {"alt": "..."}}}; without one it writes the file's path, which says nothing."""
    bad = []
    for attrs, where in _figures(nb):
        alt = (attrs.get("alt") or "").strip()
        if not alt:
            bad.append(f"{where}: no alt text")
        elif "_images/" in alt or re.search(r"\.(png|jpe?g|svg|gif)$", alt, re.I):
            bad.append(f"{where}: its alt text is its file path")
    assert bad == [], (f"{nb.name}: figures without a text alternative; give each cell "
                       '{"mystnb": {"image": {"alt": "what the figure shows"}}} in its metadata:\n' + "\n".join(bad))


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_figures_have_twice_the_pixels_of_their_layout_size(nb):
    """Figures stay sharp on high-density screens: setup_chapter makes 2x PNGs whose output metadata gives the
    layout size, and the page shows each at that size (style width), with twice its pixels."""
    blurred = []
    for attrs, where in _figures(nb):
        src = attrs.get("src") or ""
        if not src.endswith(".png") or "_images/" not in src:
            continue
        style, plain = attrs.get("style") or "", attrs.get("width") or ""
        width = re.search(r"width:\s*([\d.]+)px", style) or re.match(r"([\d.]+)", plain)
        pixels, _ = _png_size(HTML / "_images" / src.rsplit("_images/", 1)[1])
        if not width:
            blurred.append(f"{where}: {pixels} px wide, shown at its pixel size (no layout width)")
        elif pixels < 2 * float(width.group(1)) - 1:
            blurred.append(f"{where}: {pixels} px for {width.group(1)} px of layout")
    assert blurred == [], (f"{nb.name}: figures that are not 2x (re-execute the chapter: setup_chapter makes "
                           "retina PNGs):\n" + "\n".join(blurred))
