"""What the built pages load: one reader for the book build (which fails on a page that loads anything from
another host) and the site tests (which check scripts and figures). Imports no torch."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

# Attributes with which a page loads something (a hyperlink, <a href>, loads nothing: it may go anywhere).
_LOADS = {"src", "srcset", "poster", "data", "data-jupyter-widgets-cdn"}
_CSS_URL = re.compile(r"url\(['\"]?([^'\")]+)")


class PageResources(HTMLParser):
    """Every URL a page makes the browser load (not its hyperlinks), its scripts, and every <img> in its article."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.images: list[dict[str, str | None]] = []
        self.scripts: list[str] = []
        self._article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "article":
            self._article += 1
        for key, value in attributes.items():
            if value and (key in _LOADS or (tag == "link" and key == "href")):
                for url in value.split(",") if key == "srcset" else [value]:
                    self.loads.append((tag, key, url.strip().split(" ")[0]))
        if attributes.get("style"):
            self.loads += [("style", "url", u) for u in _CSS_URL.findall(attributes["style"] or "")]
        if tag == "script" and attributes.get("src"):
            self.scripts.append((attributes["src"] or "").split("?")[0])
        if tag == "img" and self._article:
            self.images.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article -= 1

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            self.loads += [("style", "url", u) for u in _CSS_URL.findall(data)]


def page_resources(path: Path) -> PageResources:
    parser = PageResources()
    parser.feed(path.read_text(errors="replace"))
    return parser


def other_host(url: str) -> bool:
    """Whether a URL a page loads points at another host (an absolute or protocol-relative URL)."""
    return url.startswith("//") or bool(re.match(r"^(https?|wss?|ftp):", url, re.I))


def pages(html: Path) -> list[Path]:
    """The book's pages in a built site (``_static`` holds the theme's templates, not pages)."""
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)


def foreign_loads(html: Path) -> list[str]:
    """Everything a page of the built site would load from another host, as 'page: <tag attr=url>'."""
    return [f"{page.relative_to(html)}: <{tag} {key}={url}>" for page in pages(html)
            for tag, key, url in page_resources(page).loads if other_host(url)]
