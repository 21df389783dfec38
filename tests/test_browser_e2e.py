"""The rendered deck in a real browser: headless Chromium opens the HTML from disk, offline, and
every block's chart must draw with no JavaScript error and no network request.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands on fd 3,
replies on fd 4, each a JSON message ending in NUL), so no port is opened and no driver is needed.
"""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.synthetic_deck import make_deck
from wbr.engine.deck import Deck
from wbr.render.report import DECK_JSON_NAME, HTML_NAME, render_report, run_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1400,1000",
    "--remote-debugging-pipe",
]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")

# per block: how many chart divs, drawn plotly SVGs and drawn traces it holds
BLOCK_STATE = """
JSON.stringify(Array.from(document.querySelectorAll('article.wbr-block')).map(b => ({
  id: b.id,
  divs: b.querySelectorAll('.plotly-graph-div').length,
  svgs: b.querySelectorAll('.plotly-graph-div .main-svg').length,
  traces: b.querySelectorAll('.plotly-graph-div .scatterlayer .trace').length,
  ticks: b.querySelectorAll('.plotly-graph-div .xtick').length,
})))
"""


class Browser:
    """A headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, profile: Path) -> None:
        # the shell moves our pipes to fds 3 and 4, where Chromium expects them
        self.process = subprocess.Popen(
            [
                "sh",
                "-c",
                'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null',
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.replies: dict[int, dict] = {}
        self.events: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []
        self.next_id = 0
        self.lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", session=True)

    def _read(self) -> None:
        buffer = b""
        while chunk := self.process.stdout.read1(65536):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        self.replies[message["id"]] = message
                        self.lock.notify_all()
                else:
                    self.seen.append(message)
                    self.events.put(message)
        with self.lock:
            self.lock.notify_all()

    def call(self, method: str, session: bool = False, timeout: float = 30, **params) -> dict:
        """Send one command and wait for its reply."""
        with self.lock:
            self.next_id += 1
            ident = self.next_id
        message = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.process.stdin.write(json.dumps(message).encode() + b"\0")
        self.process.stdin.flush()
        deadline = time.monotonic() + timeout
        with self.lock:
            while ident not in self.replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"no reply to {method}")
                self.lock.wait(left)
            reply = self.replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, url: str, timeout: float = 60) -> None:
        """Navigate and wait for the load event."""
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=1)
            except queue.Empty:
                continue
            if event.get("method") == "Page.loadEventFired":
                return
        raise TimeoutError(f"{url} did not load")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        result = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Every exception, console error and error log entry the page produced."""
        found = []
        for event in self.seen:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                described = details.get("exception", {}).get("description") or details["text"]
                found.append(f"{details.get('url', '')}:{details.get('lineNumber')}: {described}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(json.dumps(params["entry"])[:500])
        return found

    def requests(self) -> list[str]:
        """URLs of every request the page made."""
        return [
            e["params"]["request"]["url"]
            for e in self.seen
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        with contextlib.suppress(TimeoutError, RuntimeError, BrokenPipeError):
            self.call("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _drawn_blocks(html: Path, profile: Path) -> tuple[list[dict], list[str], list[str]]:
    """Open the page from disk; per-block chart state once every chart drew; errors; requests."""
    browser = Browser(profile)
    try:
        browser.open(html.resolve().as_uri())
        deadline = time.monotonic() + 60
        state = json.loads(browser.evaluate(BLOCK_STATE))
        while time.monotonic() < deadline and not all(b["svgs"] for b in state):
            time.sleep(0.2)
            state = json.loads(browser.evaluate(BLOCK_STATE))
        return state, browser.errors(), browser.requests()
    finally:
        browser.close()


pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


def _assert_every_chart_drew(state: list[dict], deck: Deck) -> None:
    assert [b["id"] for b in state] == [f"block-{n}" for s in deck.sections for n in s.blocks]
    for block in state:
        assert block["divs"] == 1, block
        assert block["svgs"] >= 1, f"{block['id']}: chart did not draw"
        assert block["traces"] >= 2, f"{block['id']}: no CY/PY lines drawn"
        assert block["ticks"] >= 18, f"{block['id']}: x axis lost its weeks or months"


def test_sample_deck_draws_every_chart_offline(tmp_path):
    folder = run_report(ROOT / "wbr.yaml", out_dir=tmp_path / "reports")
    deck = Deck.read_json(folder / DECK_JSON_NAME)
    state, errors, requests = _drawn_blocks(folder / HTML_NAME, tmp_path / "profile")
    _assert_every_chart_drew(state, deck)
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []


def test_synthetic_deck_with_gaps_and_partial_weeks_draws(tmp_path):
    deck = make_deck()
    folder = render_report(deck, tmp_path / "reports")
    state, errors, requests = _drawn_blocks(folder / HTML_NAME, tmp_path / "profile")
    _assert_every_chart_drew(state, deck)
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []


def test_the_checks_see_a_broken_page(tmp_path):
    """The same checks fail on a page whose plotly.js is missing: they can fail."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<article class="wbr-block" id="block-1"><div id="c" class="plotly-graph-div"></div>'
        '<script>Plotly.newPlot("c", [{"y": [1, 2]}], {});</script></article>'
        '<img src="http://127.0.0.1:9/x.png">'
    )
    state, errors, requests = _drawn_blocks_fast(page, tmp_path / "profile")
    assert state == [{"id": "block-1", "divs": 1, "svgs": 0, "traces": 0, "ticks": 0}]
    assert any("Plotly is not defined" in e for e in errors)
    assert "http://127.0.0.1:9/x.png" in requests


def _drawn_blocks_fast(html: Path, profile: Path) -> tuple[list[dict], list[str], list[str]]:
    browser = Browser(profile)
    try:
        browser.open(html.resolve().as_uri())
        return json.loads(browser.evaluate(BLOCK_STATE)), browser.errors(), browser.requests()
    finally:
        browser.close()
