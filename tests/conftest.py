"""Shared fixtures: repository paths, the book's configuration, and an isolated data cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_chapters() -> list[Path]:
    """Every chapter notebook (``NN_name.ipynb``) listed in ``_toc.yml``, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for entry in toc.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files
            if (ROOT / f"{f}.ipynb").exists() and Path(f).name[:2].isdigit()]


def load_notebook(path: Path) -> dict:
    return json.loads(path.read_text())


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
