"""Checks of the built site (``make book`` writes ``_build/html``; ``make test`` builds it first)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, load_notebook, toc_chapters

HTML = ROOT / "_build" / "html"
NOTEBOOKS = toc_chapters()


@pytest.fixture(scope="module", autouse=True)
def built_site():
    if not (HTML / "index.html").exists():
        pytest.fail("The book is not built: run `make book` (make test does it first).")


def page(nb: Path) -> str:
    return (HTML / "chapters" / f"{nb.stem}.html").read_text()


def ids(paths):
    return [p.stem for p in paths]


def test_a_good_build_leaves_no_reports():
    reports = HTML / "reports"
    assert not reports.exists() or not any(reports.iterdir()), "execution reports mean a chapter failed"


def test_index_and_intro_exist():
    assert (HTML / "chapters" / "intro.html").exists()
    assert "From Tensors to Training Loops" in (HTML / "chapters" / "intro.html").read_text()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_chapter_page_has_its_title(nb):
    title = next(line for c in load_notebook(nb)["cells"] if c["cell_type"] == "markdown"
                 for line in "".join(c["source"]).splitlines() if line.startswith("# "))
    assert f"<h1>{title[2:].strip()}" in page(nb)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_chapter_page_has_no_traceback_or_stderr(nb):
    html = page(nb)
    assert "output stderr" not in html
    # a cell tagged raises-exception shows its error on purpose; nothing else may
    expected = sum(1 for c in load_notebook(nb)["cells"] if "raises-exception" in c.get("metadata", {}).get("tags", []))
    assert html.count('class="output traceback') <= expected


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
def test_figures_are_embedded_and_not_empty(nb):
    html = page(nb)
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    for src in images:
        if src.startswith("../_images/"):
            assert (HTML / "_images" / src.removeprefix("../_images/")).stat().st_size > 100


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
