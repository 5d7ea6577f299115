"""The built site, tested like a reader: headless Chromium against _build/html served on 127.0.0.1.

Chromium reaches nothing but the loopback test server: no host name resolves except 127.0.0.1/localhost,
and whatever would still get out (an IP literal) goes to a dead proxy. Every request a page makes, blocked
or not, is recorded from Chromium's performance log, so a page that tries to reach another host fails
here, and so does a page whose formulas or widgets need one. Every page is also checked with axe-core in
light and dark mode.

Needs Debian's ``chromium`` and ``chromium-driver`` (`make browser` installs them; no browser is downloaded)
and axe-core from npm (tools/vendor.sh, which `make book` runs, installs it into _build/npm).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from urllib.parse import urlsplit

import pytest
from helpers import NODE_MODULES, NOTEBOOKS, PAGES, ROOT, chapter_title, ids, load_notebook, source

pytestmark = pytest.mark.browser
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                # no name resolves but loopback; anything that still gets out (an IP literal) meets a dead
                # proxy. Chromium never sends loopback through a proxy, so the test server is reached.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
                "--proxy-server=http://127.0.0.1:9"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Serious or critical axe violations we accept, each for its reason: (rule, a pattern of the element's HTML).
# Only elements of templates we do not write; a violation in a chapter's own output is fixed, not waived.
AXE_WAIVERS = [
    # pydata-sphinx-theme 0.17.1's search button (header and sidebar) is labelled "Search" while its visible
    # text reads "Search Ctrl+K" (the keyboard hint).
    ("label-content-name-mismatch", r'class="[^"]*\bsearch-button__button\b'),
    # pydata-sphinx-theme 0.17.1's colour-mode switch is labelled "Color mode" while its icon's <title> reads
    # "Light"/"Dark"/"Auto" (the current mode).
    ("label-content-name-mismatch", r'class="[^"]*\btheme-switch-button\b'),
    # myst-nb 1.4.0's toggle of a hidden code cell (tag hide-cell: the exercise solutions) is labelled
    # "Toggle hidden content" while its visible text reads "Show code cell content".
    ("label-content-name-mismatch", r'^<summary aria-label="Toggle hidden content">'),
]
# Console errors that are not ours (substrings).
CONSOLE_WAIVERS = [
    "Identifier 'THEBE_JS_URL' has already been declared",  # sphinx-thebe 0.3.1 inlines its settings twice
    "favicon.ico",  # the book has no favicon; the test server answers 404
    "Got invalid theme mode",  # pydata-sphinx-theme reading an empty localStorage on a fresh profile
]

WIDGETS_RENDERED = """
const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
return views.every(s => s.previousElementSibling && s.previousElementSibling.classList.contains("widget-subarea")
                        && s.previousElementSibling.querySelector(".jupyter-widgets"));
"""
MATH_SETTLED = """
const done = arguments[arguments.length - 1];
(window.MathJax && MathJax.startup ? MathJax.startup.promise : Promise.resolve()).then(() => setTimeout(done, 300));
"""
MATH_CHECK = r"""
const done = arguments[arguments.length - 1];
const article = document.querySelector("article.bd-article") || document.querySelector("article") || document.body;
// Sphinx writes each formula as span.math (inline) or div.math (display), for MathJax to replace
const formulas = [...article.querySelectorAll(".math")];
function check() {
  const untypeset = formulas.filter(f => !f.querySelector("mjx-container")).map(f => f.textContent.trim().slice(0, 80));
  const errors = [...article.querySelectorAll("mjx-merror")]
    .map(e => e.getAttribute("data-mjx-error") || e.textContent);
  const prose = article.cloneNode(true);  // raw TeX left in the prose (code may hold it on purpose)
  prose.querySelectorAll("pre, code, script, style, mjx-container, .highlight, .cell_input").forEach(e => e.remove());
  const raw = prose.textContent.match(/\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{/g) || [];
  done({formulas: formulas.length, typeset: article.querySelectorAll("mjx-container").length, untypeset, errors, raw});
}
if (!window.MathJax || !window.MathJax.startup) {
  if (formulas.length) done({error: "MathJax did not load"}); else check();
} else {
  MathJax.startup.promise.then(check).catch(e => done({error: String(e)}));
}
"""
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                                    "best-practice"]},
                   resultTypes: ["violations"]})
  .then(r => done(r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200)}))}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""
# A slider figure (utils.widgets.slider_figure in a compared run): a box holding a slider and the frame
# the slider selects, an HTML widget with an <img alt> (the Stack keeps only the selected frame in the DOM).
SLIDER_FIGURES = """
return [...document.querySelectorAll(".widget-subarea .widget-vbox")].filter(
    b => b.querySelector(":scope > .widget-slider .noUi-handle") && b.querySelector(".widget-html-content img"));
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("Headless Chromium is missing: apt-get install chromium chromium-driver (.ci/run does).")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROME_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    # every request a page attempts, blocked or not, is logged (Network.requestWillBeSent)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def wait_for(browser, condition, timeout=10, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.1).until(condition, message)


def requests_since_last_call(browser) -> list[tuple[str, str | None]]:
    """[(url, problem)] of every request since the last call; problem is None, 'net::ERR_...' or 'HTTP 4xx'."""
    sent, problem = {}, {}
    for entry in browser.get_log("performance"):  # reading the log empties it
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method == "Network.requestWillBeSent":
            sent[params["requestId"]] = params["request"]["url"]
        elif method == "Network.webSocketCreated":
            sent[params["requestId"]] = params["url"]
        elif method == "Network.loadingFailed":
            problem[params["requestId"]] = params.get("errorText")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            problem[params["requestId"]] = f"HTTP {params['response']['status']}"
    return [(url, problem.get(rid)) for rid, url in sent.items()]


def external(requests: list[tuple[str, str | None]]) -> list[str]:
    return sorted({url for url, _ in requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                   and urlsplit(url).hostname not in LOOPBACK})


def load(browser, url: str) -> None:
    """Open a page with an empty request log, and wait until its widgets are drawn and MathJax is done."""
    browser.get("about:blank")
    requests_since_last_call(browser)
    browser.get_log("browser")
    browser.get(url)
    wait_for(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    try:
        wait_for(browser, lambda d: d.execute_script(WIDGETS_RENDERED), timeout=30)
    except Exception:
        pytest.fail(f"{url}: widget outputs never rendered (the widget manager did not load or failed)")
    browser.execute_async_script(MATH_SETTLED)


# What the page's HTML says (title, no traceback or stderr, the Colab and download links, the Results table) is
# checked once, by the site tier (tests/test_site.py); this tier checks what only a browser shows.
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_chapter_reads_right_in_a_browser(browser, site_url, nb):
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/chapters/{nb.stem}.html")

    # every figure loaded with a real size, and shown with its own aspect ratio
    wait_for(browser, lambda d: d.execute_script(
        "return [...document.images].every(i => i.complete)"))
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('article img')].map(i => [i.src, i.naturalWidth, i.naturalHeight,"
        " i.getBoundingClientRect().width, i.getBoundingClientRect().height])")
    assert all(w > 0 and h > 0 for _, w, h, _, _ in sizes), f"broken figures: {[s for s in sizes if not s[1]]}"
    squashed = [(src[-20:], f"{w}x{h} shown as {sw:.0f}x{sh:.0f}") for src, w, h, sw, sh in sizes
                if sw and sh and abs((sw / sh) / (w / h) - 1) > 0.03]
    assert squashed == [], f"figures shown with another aspect ratio than their own: {squashed}"

    # the launch menu opens and shows the Colab link (its address is checked by the site tier)
    browser.find_element(By.CSS_SELECTOR, ".dropdown-launch-buttons button").click()
    link = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "a[href^='https://colab.research']"))
    assert link.is_displayed()

    # a hidden solution opens on click
    solution = browser.find_element(By.CSS_SELECTOR, ".admonition.dropdown")
    body = solution.find_elements(By.CSS_SELECTOR, "p")[-1]
    assert not body.is_displayed()
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", solution)
    solution.find_element(By.CSS_SELECTOR, "button.toggle-button").click()
    wait_for(browser, lambda d: body.is_displayed())


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_a_checkable_exercise_shows_its_empty_answer_and_opens_its_checked_solution(browser, site_url, nb):
    """The page shows the answer cell as a learner finds it ("Not attempted yet"); the hidden solution cell
    below it opens on click and shows the reference solution passing its check ("Correct")."""
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/chapters/{nb.stem}.html")
    cells = browser.find_elements(By.CSS_SELECTOR, "div.cell")
    answers = [c for c in cells if "tag_solution" not in c.get_attribute("class")
               and re.search(r"ex\.q\d+\.check\(", c.find_element(By.CSS_SELECTOR, ".cell_input").text)]
    assert answers, f"{nb.stem}: no checkable exercise's answer cell on the page"
    assert "Not attempted yet" in answers[0].find_element(By.CSS_SELECTOR, ".cell_output").text
    solution = browser.find_element(By.CSS_SELECTOR, "div.cell.tag_solution")
    output = solution.find_element(By.CSS_SELECTOR, ".cell_output")
    assert not output.is_displayed(), "the solution must stay hidden until opened"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", solution)
    solution.find_element(By.CSS_SELECTOR, "summary").click()
    wait_for(browser, lambda d: output.is_displayed())
    assert re.search(r"^Correct\b", output.text, re.M), output.text[-300:]


@pytest.mark.parametrize("page", PAGES)
def test_page_works_with_no_other_host(browser, site_url, page):
    """No request leaves the machine, nothing the page loads is missing, every formula is typeset and every
    widget output is drawn: the page reads the same offline, behind a firewall, or from a downloaded copy."""
    from selenium.webdriver.common.by import By

    load(browser, f"{site_url}/{page}")
    time.sleep(1)  # late loads: fonts, the parts of MathJax it loads when needed
    requests = requests_since_last_call(browser)
    assert external(requests) == [], f"{page} tried to reach other hosts: {external(requests)}"
    failed = [(url, problem) for url, problem in requests if problem and not url.endswith("/favicon.ico")]
    assert failed == [], f"{page}: requests that failed: {failed}"
    errors = [e["message"] for e in browser.get_log("browser")
              if e["level"] == "SEVERE" and not any(w in e["message"] for w in CONSOLE_WAIVERS)]
    assert errors == [], f"{page}: errors in the browser console: {errors}"

    math = browser.execute_async_script(MATH_CHECK)
    assert "error" not in math, f"{page}: {math['error']}"
    assert math["untypeset"] == [], f"{page}: formulas MathJax did not typeset: {math['untypeset']}"
    assert math["errors"] == [], f"{page}: TeX errors: {math['errors']}"
    assert math["raw"] == [], f"{page}: raw TeX left in the text: {math['raw']}"
    assert math["typeset"] >= math["formulas"]

    assert browser.find_elements(By.CSS_SELECTOR, ".jupyter-widgets-error-widget") == [], \
        f"{page}: a widget output failed to render"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_page_has_no_serious_accessibility_violations(browser, site_url, page, theme):
    axe = NODE_MODULES / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail("axe-core is not installed: run tools/vendor.sh (make book does).")
    load(browser, f"{site_url}/{page}")
    browser.execute_script("document.documentElement.dataset.mode = arguments[0];"
                           "document.documentElement.dataset.theme = arguments[0];", theme)
    time.sleep(0.5)  # the theme's colour transitions, before contrast is measured
    browser.execute_script(axe.read_text())
    violations = browser.execute_async_script(AXE_RUN)
    unwaived = [f"{v['id']} ({v['impact']}: {v['help']}) at {n['target']}: {n['html']}"
                for v in violations for n in v["nodes"]
                if not any(v["id"] == rule and re.search(pattern, n["html"]) for rule, pattern in AXE_WAIVERS)]
    assert unwaived == [], f"{page} in {theme} mode:\n" + "\n".join(unwaived)


# ----------------------------------------------------------------------------- sliders on the static page

def _calls_slider_figure(nb) -> bool:
    return any("slider_figure(" in source(c) for c in load_notebook(nb)["cells"] if c["cell_type"] == "code")


def _slider_pages() -> list[str]:
    """Chapter 4 (the issue promises its sliders move on the static page), every chapter that calls
    ``slider_figure``, and any other built page whose widget state holds a Stack of frames."""
    pages = [f"chapters/{nb.stem}.html" for nb in NOTEBOOKS if nb.name.startswith("04_") or _calls_slider_figure(nb)]
    built = ROOT / "_build" / "html"
    pages += [p for p in PAGES if p not in pages and (built / p).exists() and '"StackModel"' in (built / p).read_text()]
    return pages


@pytest.mark.parametrize("page", _slider_pages())
def test_sliders_move_their_figure_with_no_kernel(browser, site_url, page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    load(browser, f"{site_url}/{page}")
    figures = browser.execute_script(SLIDER_FIGURES)
    assert figures, (f"{page} has no slider figure that moves on the static page: draw it with "
                     "utils.widgets.slider_figure, and build in a compared run with ipywidgets 8 (make book)")

    def shown(figure) -> dict:
        """What the figure shows: its slider's name and value, and the frame's text alternative."""
        return browser.execute_script(
            "const f = arguments[0], img = f.querySelector('.widget-html-content img');"
            "return {name: f.querySelector('.widget-label').textContent.trim(),"
            "        value: f.querySelector('.widget-readout').textContent.trim(),"
            "        alt: img.getAttribute('alt'), src: img.getAttribute('src').slice(-80),"
            "        loaded: img.complete && img.naturalWidth > 0,"
            "        sharp: img.naturalWidth >= 2 * img.getBoundingClientRect().width - 2}", figure)

    def check(state: dict) -> None:
        assert state["loaded"], f"{page}: a frame of slider {state['name']} did not load"
        assert state["sharp"], f"{page}: the frames of slider {state['name']} are not 2x images"
        assert state["alt"].endswith(f"({state['name']} = {state['value']})"), \
            f"{page}: slider {state['name']} reads {state['value']} but the figure shows {state['alt']!r}"

    def changes(figure, move, how: str) -> None:
        before = shown(figure)
        check(before)
        move()
        wait_for(browser, lambda _: shown(figure) != before, timeout=5,
                 message=f"{page}: slider {before['name']} {how}, its figure did not change")
        check(shown(figure))

    for figure in figures:
        handle = figure.find_element(By.CSS_SELECTOR, ".noUi-handle")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", handle)
        # keyboard: one step, away from the end the slider stands at
        at_end = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
        key = Keys.ARROW_LEFT if at_end else Keys.ARROW_RIGHT
        changes(figure, lambda h=handle, k=key: h.send_keys(k), "moved by the keyboard")
        # mouse: drag the handle to the far end of the track
        track = figure.find_element(By.CSS_SELECTOR, ".noUi-base").rect
        x = handle.rect["x"] + handle.rect["width"] / 2
        dx = round((track["x"] + 1 if x > track["x"] + track["width"] / 2 else track["x"] + track["width"] - 1) - x)
        changes(figure, lambda h=handle, dx=dx: ActionChains(browser).drag_and_drop_by_offset(h, dx, 0).perform(),
                "dragged by the mouse")
    assert external(requests_since_last_call(browser)) == []


# ----------------------------------------------------------------------------- the existing page checks

def test_search_finds_a_chapter_by_a_word_in_it(browser, site_url):
    from selenium.webdriver.common.by import By

    chapter = NOTEBOOKS[1].stem  # a distinctive word of its title
    word = chapter_title(NOTEBOOKS[1]).split()[-1].lower()
    browser.get(f"{site_url}/search.html?q={word}")
    results = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li a"), timeout=20)
    assert any(chapter in (a.get_attribute("href") or "") for a in results)


def test_dark_mode_switch_changes_the_theme(browser, site_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/chapters/intro.html")
    themes = set()
    for _ in range(3):
        browser.find_element(By.CSS_SELECTOR, ".theme-switch-button").click()
        themes.add(browser.execute_script("return document.documentElement.dataset.theme"))
    assert {"light", "dark"} <= themes
