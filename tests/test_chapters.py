"""Every chapter notebook follows the course's conventions (these read the committed notebooks: what nbval
compares against and the book shows)."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

import pytest
import tomllib
from helpers import CHAPTERS, NOTEBOOKS, PAGES_WITH_CODE, ROOT, ids, load_notebook, source, tags, text_outputs

from booktools.solutions import SOLUTION_TAGS, is_solution

COLAB_RELEASE = "git+{url}@v{version}"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_first_cell_installs_helpers_in_colab_only_and_checks_the_gpu(path, book_config):
    first = load_notebook(path)["cells"][0]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert first["cell_type"] == "code"
    assert {"remove-cell", "skip-execution", "nbval-skip"} <= set(tags(first))
    src = source(first)
    assert 'if "google.colab" in sys.modules or "COURSE_HELPERS_FROM" in os.environ:' in src
    assert COLAB_RELEASE.format(url=book_config["repository"]["url"], version=version) in src
    assert '%pip install -q "dl-course-utils @ {helpers}"' in src
    assert "torch.cuda.is_available()" in src and "Change runtime type" in src


def test_first_cells_are_identical():
    first = {source(load_notebook(p)["cells"][0]) for p in PAGES_WITH_CODE}
    assert len(first) == 1, "copy the Colab cell from another chapter unchanged"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_notebook_asks_colab_for_a_gpu_and_uses_python3(path):
    meta = load_notebook(path)["metadata"]
    assert meta.get("accelerator") == "GPU"
    assert meta.get("colab", {}).get("gpuType")
    assert meta["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_outputs_come_from_one_clean_run(path):
    # exercise solution cells keep no output (booktools/solutions.py): the build runs them for the page
    cells = [c for c in load_notebook(path)["cells"][1:] if c["cell_type"] == "code" and not is_solution(c)]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, "every code cell after the Colab cell is executed"
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    setup = source(cells[0])
    assert "setup_chapter()" in setup, "the first executed cell seeds and picks the device"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_run_all_never_stops(path):
    # Colab ignores cell tags: a cell that raises stops "Run all". Demonstrations use expect_error.
    for i, cell in enumerate(load_notebook(path)["cells"]):
        assert "raises-exception" not in tags(cell), f"cell {i}: show the error with expect_error instead"
        assert all(out["output_type"] != "error" for out in cell.get("outputs", [])), f"cell {i} stored an error"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_no_stderr_addresses_or_absolute_paths_in_outputs(path):
    for i, cell in enumerate(load_notebook(path)["cells"]):
        for out in cell.get("outputs", []):
            assert out.get("name") != "stderr", f"cell {i} stored stderr"
        for text in text_outputs(cell):
            assert not re.search(r" at 0x[0-9a-fA-F]+", text), f"cell {i} output holds a memory address"
            assert not re.search(r"(/root/|/home/|/work/|/tmp/|\.fastai/)", text), f"cell {i} shows a path"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_ignored_outputs_say_why(path):
    for i, cell in enumerate(load_notebook(path)["cells"]):
        marked = "nbval-ignore-output" in tags(cell)
        reason = re.match(r"# nbval-ignore-output: \S.{5,}", source(cell))
        assert marked == bool(reason), f"cell {i}: tag and '# nbval-ignore-output: <reason>' line go together"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
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


def _figures(cell: dict) -> int:
    return sum(1 for out in cell.get("outputs", []) for mime in out.get("data", {})
               if mime.startswith("image/"))


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_every_figure_has_a_text_alternative(path):
    # myst-nb reads a figure's alt text from the cell's metadata: {"mystnb": {"image": {"alt": "..."}}}
    for i, cell in enumerate(load_notebook(path)["cells"]):
        if cell["cell_type"] == "code" and _figures(cell):
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.split()) >= 6, f"cell {i}: say what the figure shows in mystnb.image.alt"


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_has_a_sources_note(path):
    markdown = "\n".join(source(c) for c in load_notebook(path)["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"^#+ Sources\b", markdown, re.M), "name what the chapter reproduces, and from where"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_main_path_stays_within_its_word_budget(chapter):
    from booktools.words import main_path_words

    words = main_path_words(chapter.path)
    assert words <= chapter.word_budget, (f"{chapter.stem}: {words} words before the exercises, over its budget of "
                                          f"{chapter.word_budget} (course.yml): move a detour into a collapsed block "
                                          "or an appendix")


@pytest.mark.parametrize("path", PAGES_WITH_CODE, ids=ids(PAGES_WITH_CODE))
def test_solution_cells_are_hidden_skipped_by_nbval_and_stored_without_output(path):
    for i, cell in enumerate(load_notebook(path)["cells"]):
        if is_solution(cell):
            assert SOLUTION_TAGS <= set(tags(cell)), f"cell {i}: a solution cell is tagged {sorted(SOLUTION_TAGS)}"
            assert cell["outputs"] == [] and cell["execution_count"] is None, (
                f"cell {i}: a solution cell keeps no output (make outputs strips it: python -m booktools.solutions)")


SHARED_HELPERS = ("train_epoch", "is_correct", "evaluate")


def _defined(code: str) -> dict[str, ast.FunctionDef]:
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a cell with IPython magics; chapters keep their definitions in plain cells
        return {}
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _without_docstring(function: ast.FunctionDef) -> str:
    body = function.body[1:] if (function.body and isinstance(function.body[0], ast.Expr)
                                 and isinstance(function.body[0].value, ast.Constant)) else function.body
    return ast.dump(ast.Module(body=body, type_ignores=[])) + ast.dump(function.args)


@pytest.mark.parametrize("name", SHARED_HELPERS)
def test_a_shared_training_helper_is_written_once_as_saved_then_imported(name):
    import utils.training

    saved = _without_docstring(ast.parse(textwrap.dedent(inspect.getsource(getattr(utils.training, name)))).body[0])
    writers = []
    for chapter in CHAPTERS:
        code = [source(c) for c in load_notebook(chapter.path)["cells"] if c["cell_type"] == "code"]
        definitions = [d[name] for d in map(_defined, code) if name in d]
        if definitions:
            writers.append(chapter.stem)
            assert all(_without_docstring(d) == saved for d in definitions), (
                f"{chapter.stem} writes its own {name}: it must be the code saved in utils.training")
        elif writers and re.search(rf"\b{name}\(", "\n".join(code)):
            assert re.search(rf"from utils\.training import [^\n]*\b{name}\b", "\n".join(code)), (
                f"{chapter.stem} uses {name} without importing it from utils.training")
    assert len(writers) == 1, f"{name} is written in {writers or 'no chapter'}: once, then imported"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_the_loss_is_called_loss_fn(path):
    # fastai's Learner takes it as a keyword, loss_func=...; a name of our own code is loss_fn
    for cell in load_notebook(path)["cells"]:
        try:
            tree = ast.parse(source(cell)) if cell["cell_type"] == "code" else None
        except SyntaxError:
            continue
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if tree else set()
        arguments = {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
                     for a in n.args + n.kwonlyargs} if tree else set()
        assert "loss_func" not in names | arguments, f"{path.name}: call it loss_fn"
