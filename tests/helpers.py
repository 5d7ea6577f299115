"""What several test modules share: repository paths, reading notebooks, and one loopback web server."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from booktools.course import Chapter, load_course, notebooks

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHAPTERS: tuple[Chapter, ...] = load_course()
NOTEBOOKS: list[Path] = [c.path for c in CHAPTERS]
# the chapters and the appendices: every notebook a reader opens, each following the same conventions
PAGES_WITH_CODE: list[Path] = [n.path for n in notebooks()]


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def load_notebook(path: Path) -> dict:
    return json.loads(path.read_text())


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def source(cell: dict) -> str:
    s = cell["source"]
    return s if isinstance(s, str) else "".join(s)


def text_outputs(cell: dict) -> list[str]:
    """Every text a cell's outputs hold: streams, and text-like data of any display."""
    texts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
        for key, value in out.get("data", {}).items():
            if key.startswith("text/") or key.endswith("text/plain"):
                texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def chapter_title(path: Path) -> str:
    """The text of a notebook's first level-1 heading."""
    for cell in load_notebook(path)["cells"]:
        if cell["cell_type"] == "markdown":
            for line in source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{path.name} has no title")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(handler: type[http.server.BaseHTTPRequestHandler] = _Quiet, folder: Path | None = None) -> Iterator[str]:
    """Serve ``folder`` (or answer with ``handler``) on 127.0.0.1; yields the base URL, ending in '/'."""
    if folder is not None:
        handler = functools.partial(handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- the built site's pages

def _toc_files(entry: object) -> list[str]:
    if isinstance(entry, dict):
        own = [entry["file"]] if "file" in entry else []
        return own + [f for key in ("chapters", "parts", "sections") for e in entry.get(key, []) for f in _toc_files(e)]
    return []


def book_pages() -> list[str]:
    """Every page of the book (``_toc.yml``: the root, the chapters, Results, the build page), as paths of
    ``_build/html`` such as ``chapters/intro.html``."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [f"{f.removesuffix('.md').removesuffix('.ipynb')}.html" for f in [toc["root"], *_toc_files(toc)]]


PAGES: list[str] = book_pages()
# What tools/vendor.sh installs from npm (package-lock.json) into _build/npm; axe-core is for the tests only.
NODE_MODULES = ROOT / "_build" / "npm" / "node_modules"
