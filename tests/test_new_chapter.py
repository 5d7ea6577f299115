"""`make new-chapter` writes a notebook that follows the conventions, and the registry entries beside it."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from helpers import CHAPTERS, ROOT, source, tags

from booktools.course import parse_course
from booktools.new_chapter import new_chapter


@pytest.fixture()
def checkout(tmp_path):
    (tmp_path / "chapters").mkdir()
    for name in ("course.yml", "_toc.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for chapter in CHAPTERS:
        shutil.copy(chapter.path, tmp_path / "chapters" / chapter.path.name)
    return tmp_path


def test_a_new_chapter_has_the_colab_cell_the_setup_cell_and_its_sections(checkout):
    name = f"{len(CHAPTERS) + 1:02d}_convolutions"
    new_chapter(name, "Convolutions", root=checkout)
    nb = json.loads((checkout / "chapters" / f"{name}.ipynb").read_text())
    first = json.loads(CHAPTERS[0].path.read_text())["cells"][0]
    assert source(nb["cells"][0]) == source(first) and tags(nb["cells"][0]) == tags(first)
    assert nb["metadata"]["accelerator"] == "GPU" and nb["metadata"]["kernelspec"]["name"] == "python3"
    texts = [source(c) for c in nb["cells"]]
    assert texts[1].startswith(f"# {len(CHAPTERS) + 1}. Convolutions")
    assert "setup_chapter()" in texts[2]
    assert [t.split("\n")[0] for t in texts[3:]] == ["## Sources", "## Exercises", "## Questionnaire"]
    course = parse_course(yaml.safe_load((checkout / "course.yml").read_text()))
    assert [c.stem for c in course][-1] == name and len(course) == len(CHAPTERS) + 1
    toc = yaml.safe_load((checkout / "_toc.yml").read_text())
    files = [entry["file"] for entry in toc["chapters"]]
    assert files.index(f"chapters/{name}") == files.index(CHAPTERS[-1].file) + 1


@pytest.mark.parametrize(("name", "message"), [("8_x", "NN_words"), ("09_skipped", "the next chapter is number")])
def test_a_bad_name_is_refused_with_the_rule(checkout, name, message):
    with pytest.raises(SystemExit, match=message):
        new_chapter(name, "X", root=checkout)
