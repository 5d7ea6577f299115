"""Fixtures shared by the tests: the book's configuration, an isolated data cache, the built site."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import HTML, ROOT, serve


@pytest.fixture(scope="session")
def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


@pytest.fixture()
def isolated_cache(tmp_path, monkeypatch) -> Path:
    """A fresh fastai home (data and archive folders) and no mirror, so tests never touch the real cache."""
    from fastai.data.external import fastai_cfg

    home = tmp_path / "fastai_home"
    monkeypatch.setenv("FASTAI_HOME", str(home))
    monkeypatch.delenv("COURSE_DATA_MIRROR", raising=False)
    fastai_cfg.cache_clear()  # fastai reads FASTAI_HOME once per process
    yield home
    fastai_cfg.cache_clear()


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The built book (``_build/html``); fails with the command that builds it when it is missing."""
    if not (HTML / "index.html").exists():
        pytest.fail("The book is not built: run `jupyter-book build .` (or `make book`; make test does it first).")
    return HTML


@pytest.fixture(scope="session")
def site_url(built_site):
    """The built book served on 127.0.0.1 (no trailing slash)."""
    with serve(folder=built_site) as url:
        yield url.rstrip("/")
