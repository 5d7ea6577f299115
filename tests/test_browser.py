"""The built site, tested like a reader: headless Chromium against _build/html served on 127.0.0.1.

Needs Debian's ``chromium`` and ``chromium-driver`` (.ci/run installs them). No browser is downloaded.
"""

from __future__ import annotations

import functools
import json
import http.server
import re
import shutil
import threading

import pytest

from conftest import ROOT, load_notebook, toc_chapters

HTML = ROOT / "_build" / "html"
NOTEBOOKS = toc_chapters()
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", "--window-size=1280,1000"]


@pytest.fixture(scope="module")
def site_url():
    if not (HTML / "index.html").exists():
        pytest.fail("The book is not built: run `make book` (make test does it first).")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("Headless Chromium is missing: apt-get install chromium chromium-driver (.ci/run does).")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_for(browser, condition, timeout=10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def chapter_title(nb) -> str:
    for cell in load_notebook(nb)["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{nb.name} has no title")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_reads_right_in_a_browser(browser, site_url, nb, book_config):
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/chapters/{nb.stem}.html")
    title = chapter_title(nb)
    assert browser.find_element(By.CSS_SELECTOR, "article h1").text.startswith(title)

    # every figure loaded with a real size
    wait_for(browser, lambda d: d.execute_script(
        "return [...document.images].every(i => i.complete)"))
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('article img')].map(i => [i.src, i.naturalWidth, i.naturalHeight])")
    assert all(w > 0 and h > 0 for _, w, h in sizes), f"broken figures: {[s for s in sizes if not s[1]]}"

    # no traceback beyond the cells that show an error on purpose, and no stderr blocks
    expected_errors = sum("raises-exception" in c.get("metadata", {}).get("tags", []) for c in load_notebook(nb)["cells"])
    assert len(browser.find_elements(By.CSS_SELECTOR, ".output.traceback")) <= expected_errors
    assert browser.find_elements(By.CSS_SELECTOR, ".output.stderr") == []

    # the launch menu holds the Colab link for this very notebook on main
    repo = book_config["repository"]["url"].removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{repo}/blob/main/chapters/{nb.name}"
    browser.find_element(By.CSS_SELECTOR, ".dropdown-launch-buttons button").click()
    link = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "a[href^='https://colab.research']"))
    assert link.get_attribute("href") == colab
    assert link.is_displayed()

    # the download menu offers the .ipynb
    download = browser.find_element(By.CSS_SELECTOR, "a.btn-download-source-button")
    assert download.get_attribute("href").endswith(f"/_sources/chapters/{nb.name}")

    # a hidden solution opens on click
    solution = browser.find_element(By.CSS_SELECTOR, ".admonition.dropdown")
    body = solution.find_elements(By.CSS_SELECTOR, "p")[-1]
    assert not body.is_displayed()
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", solution)
    solution.find_element(By.CSS_SELECTOR, "button.toggle-button").click()
    wait_for(browser, lambda d: body.is_displayed())


def test_search_finds_a_chapter_by_a_word_in_it(browser, site_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/search.html?q=broadcasting")
    results = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li a"), timeout=20)
    assert any("02_broadcasting" in (a.get_attribute("href") or "") for a in results)


def test_dark_mode_switch_changes_the_theme(browser, site_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/chapters/intro.html")
    themes = set()
    for _ in range(3):
        browser.find_element(By.CSS_SELECTOR, ".theme-switch-button").click()
        themes.add(browser.execute_script("return document.documentElement.dataset.theme"))
    assert {"light", "dark"} <= themes


def test_results_page_shows_every_glued_number(browser, site_url):
    from selenium.webdriver.common.by import By

    source = "".join("".join(c["source"]) for c in load_notebook(ROOT / "chapters" / "results.ipynb")["cells"])
    refs = re.findall(r"\{glue:text\}`(\d\d_\w+)\.ipynb::(\w+)(?::\w*)?`", source)
    assert len(refs) >= 15
    browser.get(f"{site_url}/chapters/results.html")
    text = browser.find_element(By.TAG_NAME, "article").text
    for chapter, name in refs:
        # what this build glued (a timing differs from the stored notebook; everything else is equal)
        built = json.loads((ROOT / "_build" / "jupyter_execute" / "chapters" / f"{chapter}.glue.json").read_text())
        value = built[name]["data"]["text/plain"]
        assert value in text, f"{chapter}::{name} = {value} is not on the Results page"
    assert "behind" in text or "meets" in text
