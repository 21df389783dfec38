"""A long deck in headless Chromium: what keeps a chart's cost from growing with the page, and
what must still work with it. The first paint never waits for plotly.js, off-screen blocks skip
rendering (content-visibility) and plotly's per-chart lookup of <base> ends at once; a page opened
at a block and a jump to a block still land on it, every chart still draws, and print media lays
out every block."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.synthetic_deck import large_deck
from tests.test_browser_e2e import CHROMIUM, Browser
from wbr.render.html import deck_html

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]
BLOCKS = 120
TOP = "String(Math.round(document.getElementById('block-{n}').getBoundingClientRect().top))"
MARK = "(performance.getEntriesByName('{name}')[0] || {{}}).startTime"
FIRST_PAINT = MARK.format(name="first-contentful-paint")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("long") / "deck.html"
    path.write_text(deck_html(large_deck(BLOCKS)), encoding="utf-8")
    return path


def _wait(browser: Browser, expression: str, timeout: float = 90) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.evaluate(expression)
        if value:
            return value
        time.sleep(0.3)
    raise TimeoutError(expression)


def test_a_long_deck_jumps_to_a_block_draws_every_chart_and_prints_every_block(page, tmp_path):
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(page.resolve().as_uri() + "#block-10")
        assert browser.evaluate("document.head.firstElementChild.tagName") == "BASE"
        assert browser.evaluate("document.baseURI") == page.resolve().as_uri() + "#block-10"
        # the first screen is painted before plotly.js starts (it takes about a second)
        painted = _wait(browser, FIRST_PAINT)
        started = _wait(browser, MARK.format(name="wbr-plotly-start"))
        assert 0 < painted <= started
        # opened at a block, the page stays on it while the blocks above get their real height
        time.sleep(1)
        assert browser.evaluate(TOP.format(n=10)) == "0"
        # off screen, a block's height is a guess until it is shown; every jump still lands on
        # its block (without the deck's correction: 53 px too far)
        for n in (60, 110, 20, 90, 45):
            browser.evaluate(f"location.hash = '#block-{n}'")
            time.sleep(1)
            assert browser.evaluate(TOP.format(n=n)) == "0", f"jump to block {n}"
        # a reader who scrolls on right after a jump is left where they scrolled to
        browser.evaluate("location.hash = '#block-30'; window.scrollBy(0, 800)")
        time.sleep(1)
        assert int(browser.evaluate(TOP.format(n=30))) < -600
        drawn = "document.querySelectorAll('.plotly-graph-div .main-svg').length > 0 && "
        drawn += "Array.from(document.querySelectorAll('.plotly-graph-div'))"
        drawn += ".every(d => d.querySelector('.main-svg'))"
        _wait(browser, drawn)
        svgs = "Array.from(document.querySelectorAll('.plotly-graph-div .main-svg'))"
        widths = json.loads(
            browser.evaluate(f"JSON.stringify({svgs}.map(s => s.getAttribute('width')))")
        )
        assert len(set(widths)) == 1  # drawn off screen, still at the page's full width
        assert (
            browser.evaluate(
                "getComputedStyle(document.getElementById('block-7')).contentVisibility"
            )
            == "auto"
        )
        browser.call("Emulation.setEmulatedMedia", session=True, media="print")
        visibility = "getComputedStyle(document.getElementById('block-7')).contentVisibility"
        assert browser.evaluate(visibility) == "visible"
    finally:
        browser.close()
