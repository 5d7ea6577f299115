"""Every chapter notebook follows the course's conventions, and its stored headline numbers hold up.

These read the committed notebooks (what nbval compares against and the book shows).
"""

from __future__ import annotations

import re

import pytest
import tomllib

from conftest import ROOT, load_notebook, toc_chapters
from utils.notebook import read_glued

CHAPTERS = ["01_tensors", "02_broadcasting", "03_pixel_similarity", "04_sgd_quadratics", "05_mnist_learner",
            "06_handwritten_modules", "07_cifar2_feedforward"]
NOTEBOOKS = toc_chapters()


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def source(cell: dict) -> str:
    s = cell["source"]
    return s if isinstance(s, str) else "".join(s)


def text_outputs(cell: dict) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append(out["text"] if isinstance(out["text"], str) else "".join(out["text"]))
        for key, value in out.get("data", {}).items():
            if key.startswith("text/") or key.endswith("text/plain"):
                texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def ids(paths):
    return [p.stem for p in paths]


def test_toc_lists_every_chapter_in_order():
    assert [p.stem for p in NOTEBOOKS] == CHAPTERS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_first_cell_installs_helpers_in_colab_only(path, book_config):
    nb = load_notebook(path)
    first = nb["cells"][0]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert first["cell_type"] == "code"
    assert {"remove-cell", "skip-execution", "nbval-skip"} <= set(tags(first))
    src = source(first)
    assert 'if "google.colab" in sys.modules:' in src
    assert f"git+{book_config['repository']['url']}@v{version}" in src
    assert "environment_report" in src


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_asks_colab_for_a_gpu_and_uses_python3(path):
    meta = load_notebook(path)["metadata"]
    assert meta.get("accelerator") == "GPU"
    assert meta.get("colab", {}).get("gpuType")
    assert meta["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_outputs_come_from_one_clean_run(path):
    cells = [c for c in load_notebook(path)["cells"][1:] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, "every code cell after the Colab cell is executed"
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    setup = source(cells[0])
    assert "setup_chapter()" in setup, "the first executed cell seeds and picks the device"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_errors_stderr_addresses_or_absolute_paths_in_outputs(path):
    for i, cell in enumerate(load_notebook(path)["cells"]):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in tags(cell), f"cell {i} stored an unexpected error"
            assert out.get("name") != "stderr", f"cell {i} stored stderr"
        for text in text_outputs(cell):
            assert not re.search(r" at 0x[0-9a-fA-F]+", text), f"cell {i} output holds a memory address"
            assert not re.search(r"(/root/|/home/|/work/|/tmp/|\.fastai/)", text), f"cell {i} shows a path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_ignored_outputs_say_why(path):
    for i, cell in enumerate(load_notebook(path)["cells"]):
        marked = "nbval-ignore-output" in tags(cell)
        reason = re.match(r"# nbval-ignore-output: \S.{5,}", source(cell))
        assert marked == bool(reason), f"cell {i}: tag and '# nbval-ignore-output: <reason>' line go together"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_hard_coded_cuda(path):
    for i, cell in enumerate(load_notebook(path)["cells"]):
        if cell["cell_type"] == "code":
            assert not re.search(r"""["']cuda|\.cuda\(""", source(cell)), f"cell {i} hard-codes cuda"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_ends_with_exercises_and_questionnaire_with_hidden_solutions(path):
    cells = load_notebook(path)["cells"]
    headings = [(i, source(c)) for i, c in enumerate(cells) if c["cell_type"] == "markdown"]
    start = next(i for i, s in headings if re.search(r"^## Exercises", s, re.M))
    quiz = next(i for i, s in headings if re.search(r"^## Questionnaire", s, re.M))
    assert start < quiz

    def hidden(cs):
        n = sum(source(c).count(":class: dropdown") for c in cs if c["cell_type"] == "markdown")
        return n + sum(1 for c in cs if c["cell_type"] == "code" and "hide-cell" in tags(c))

    assert hidden(cells[start:quiz]) >= 5, "at least five exercises, each with a hidden solution"
    assert hidden(cells[quiz:]) >= 5, "a questionnaire with hidden answers"


# Headline numbers named in each chapter's issue, with the published references they must meet.
REQUIREMENTS = {
    "02_broadcasting": {"vectorized_speedup": lambda v: v > 10},
    "03_pixel_similarity": {
        "pixel_similarity_accuracy_3": lambda v: v == 0.9168,
        "pixel_similarity_accuracy_7": lambda v: v == 0.9854,
        "pixel_similarity_accuracy": lambda v: v == 0.9511,
    },
    "04_sgd_quadratics": {"quadratic_initial_loss": lambda v: v > 0, "quadratic_final_loss": lambda v: v >= 0},
    "05_mnist_learner": {
        "linear_by_hand_accuracy": lambda v: v >= 0.9,
        "learner_linear_accuracy": lambda v: v >= 0.96,
        "simple_net_accuracy": lambda v: v >= 0.98,
        "resnet18_accuracy": lambda v: v >= 0.99,
    },
    "06_handwritten_modules": {
        "logreg_sequential_accuracy": lambda v: v >= 0.91,
        "logreg_module_accuracy": lambda v: v >= 0.91,
        "hidden_layer_accuracy": lambda v: v >= 0.96,
        "from_scratch_accuracy": lambda v: v >= 0.91,
    },
    "07_cifar2_feedforward": {
        "cifar2_fc_train_accuracy": lambda v: 0.5 < v <= 1.0,
        "cifar2_fc_valid_accuracy": lambda v: v >= 0.79,
        "cifar2_improved_valid_accuracy": lambda v: v >= 0.83,
    },
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_headline_numbers_are_glued_and_meet_references(path):
    values = read_glued(path)
    for name, ok in REQUIREMENTS.get(path.stem, {}).items():
        assert name in values, f"{path.stem} does not glue {name}"
        assert ok(values[name]), f"{name} = {values[name]} misses its reference"
    if path.stem == "04_sgd_quadratics":
        assert values["quadratic_final_loss"] < values["quadratic_initial_loss"]
    if path.stem == "06_handwritten_modules":
        assert abs(values["logreg_module_accuracy"] - values["logreg_sequential_accuracy"]) <= 0.01
    if path.stem == "07_cifar2_feedforward":
        assert values["cifar2_improved_valid_accuracy"] > values["cifar2_fc_valid_accuracy"]
