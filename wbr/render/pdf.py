"""deck.pdf: the rendered HTML deck printed by headless Chromium over the DevTools protocol.

Chromium is started with a private profile and a random debugging port on 127.0.0.1; this module
talks to the page over its websocket: load deck.html with print media at a fixed layout width,
draw every chart (the deck draws charts lazily, so printing must not start before the last one),
mark every second block of a section to start a new page (at most two blocks a page), then
Page.printToPDF on A4 portrait with a header (title and week) and page numbers. The print rules
themselves are in templates/print.css. The PDF is written atomically; Chromium is always stopped.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any

import websocket  # websocket-client

from wbr.engine.calendar import MONTH_ABBR
from wbr.engine.deck import Deck
from wbr.errors import RenderError
from wbr.render.assets import macro

PDF_NAME = "deck.pdf"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
START_TIMEOUT_S = 30
DRAW_TIMEOUT_S = 300  # 300 blocks draw in about 20 s on one core
PRINT_TIMEOUT_S = 300

# A4 portrait in inches, 10 mm side margins and room for the header and footer; the page is laid
# out LAYOUT_WIDTH_PX wide (the deck's width on screen) and scaled to fit the paper's width.
PAPER_WIDTH_IN, PAPER_HEIGHT_IN = 8.27, 11.69
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.39, 0.55, 0.5
LAYOUT_WIDTH_PX = 1100
CSS_PX_PER_IN = 96

# Every chart drawn, then a section's 3rd, 5th... block starts a page (at most two blocks a page).
# Returns how many charts there are and how many were drawn.
_PREPARE_JS = """
(async () => {
  if (window.wbrDrawAll) window.wbrDrawAll();
  const charts = Array.from(document.querySelectorAll('.plotly-graph-div'));
  const drawn = () => charts.filter(c => c.querySelector('.main-svg')).length;
  const started = Date.now();
  while (drawn() < charts.length) {
    if (Date.now() - started > %(timeout_ms)d) return {charts: charts.length, drawn: drawn()};
    await new Promise(r => setTimeout(r, 50));
  }
  let inSection = 0;
  for (const el of document.querySelectorAll('.wbr-section-title, .wbr-block')) {
    if (el.classList.contains('wbr-section-title')) { inSection = 0; continue; }
    if (inSection > 0 && inSection %% 2 === 0) el.classList.add('wbr-print-new-page');
    inSection += 1;
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return {charts: charts.length, drawn: charts.length};
})()
"""


def print_css() -> str:
    """The print rules (page breaks, what never splits across pages)."""
    return resources.files("wbr").joinpath("templates/print.css").read_text(encoding="utf-8")


def find_chromium() -> str:
    """Path of the Chromium binary (WBR_CHROMIUM overrides); RenderError naming the fix if none."""
    chosen = os.environ.get("WBR_CHROMIUM")
    if chosen:
        if shutil.which(chosen) is None:
            raise RenderError(f"WBR_CHROMIUM={chosen}: no such executable")
        return chosen
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        "--pdf needs Chromium: install Debian's chromium package (apt-get install chromium) "
        "or set WBR_CHROMIUM to its path"
    )


class _Page:
    """One page target over the DevTools websocket: send a command, wait for its reply."""

    def __init__(self, url: str) -> None:
        self.socket = websocket.create_connection(
            url, timeout=PRINT_TIMEOUT_S, suppress_origin=True
        )
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = PRINT_TIMEOUT_S, **params: Any) -> dict[str, Any]:
        """Send one command; return its result (RenderError on a protocol error or timeout)."""
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            message = json.loads(self.socket.recv())
            if message.get("id") == number:
                if "error" in message:
                    raise RenderError(f"Chromium {method} failed: {message['error']}")
                return message.get("result", {})
            self.events.append(message)
        raise RenderError(f"Chromium {method} gave no answer in {timeout:.0f} s")

    def wait_for(self, event: str, timeout: float) -> None:
        """Wait until the page sends `event` (or has sent it already)."""
        if any(m.get("method") == event for m in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.1, deadline - time.monotonic()))
            if json.loads(self.socket.recv()).get("method") == event:
                return
        raise RenderError(f"Chromium: no {event} in {timeout:.0f} s")

    def close(self) -> None:
        self.socket.close()


def _start(chromium: str, profile: Path) -> tuple[subprocess.Popen, str]:
    """Start headless Chromium; (process, websocket URL of its blank page)."""
    process = subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: _stop ends Chromium's helpers too
    )
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = process.stderr.read() if process.stderr is not None else b""
            error = said.decode(errors="replace").strip().splitlines()
            raise RenderError(
                f"{chromium} exited with code {process.returncode} before it was ready: "
                f"{error[-1] if error else 'no message'}"
            )
        text = port_file.read_text() if port_file.is_file() else ""
        if text.count("\n") >= 1:
            port = int(text.splitlines()[0])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    targets = json.load(r)
            except OSError:
                targets = []
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                return process, pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.05)
    _stop(process)
    raise RenderError(f"{chromium} did not open its debugging port in {START_TIMEOUT_S} s")


def _stop(process: subprocess.Popen) -> None:
    """End the Chromium this module started, and its helper processes (its process group)."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    if process.stderr is not None:
        process.stderr.close()


def _templates(title: str, week: str) -> tuple[str, str]:
    """Chromium's header (title left, week right) and footer (page N of M), from
    templates/pdf.html.j2 (autoescaped)."""
    header = macro("pdf.html.j2", "header")(title, week, MARGIN_SIDE_IN)
    return str(header), str(macro("pdf.html.j2", "footer")())


def print_pdf(html_path: Path, pdf_path: Path, title: str, week: str) -> Path:
    """Print a rendered deck.html to `pdf_path` (written atomically) with headless Chromium."""
    chromium = find_chromium()
    html_path = Path(html_path).resolve()
    profile = Path(tempfile.mkdtemp(prefix="wbr-chromium-"))
    process = None
    try:
        process, url = _start(chromium, profile)
        page = _Page(url)
        try:
            data = _print(page, html_path, title, week)
        finally:
            page.close()
    except (OSError, websocket.WebSocketException) as error:  # Chromium died or hung up
        raise RenderError(f"printing {html_path} with {chromium} failed: {error}") from error
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(profile, ignore_errors=True)
    partial = pdf_path.with_name(f".{pdf_path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(pdf_path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise RenderError(f"{pdf_path}: cannot write the PDF: {error.strerror or error}") from None
    return pdf_path


def _print(page: _Page, html_path: Path, title: str, week: str) -> bytes:
    """Load, draw, paginate and print one page; the PDF's bytes."""
    printable_w = (PAPER_WIDTH_IN - 2 * MARGIN_SIDE_IN) * CSS_PX_PER_IN
    printable_h = (PAPER_HEIGHT_IN - MARGIN_TOP_IN - MARGIN_BOTTOM_IN) * CSS_PX_PER_IN
    scale = printable_w / LAYOUT_WIDTH_PX
    page_h = printable_h / scale  # one page's height in the layout's CSS pixels
    page.call("Page.enable")
    page.call("Emulation.setEmulatedMedia", media="print")
    page.call(
        "Emulation.setDeviceMetricsOverride",
        width=LAYOUT_WIDTH_PX,
        height=round(page_h),
        deviceScaleFactor=1,
        mobile=False,
    )
    page.call("Page.navigate", url=html_path.as_uri())
    page.wait_for("Page.loadEventFired", START_TIMEOUT_S * 4)
    css = json.dumps(print_css())
    page.call(
        "Runtime.evaluate",
        # last on the page, after the deck's own stylesheet (which sits in the body)
        expression=f"document.body.insertAdjacentHTML('beforeend', '<style>' + {css} + '</style>')",
    )
    prepared = page.call(
        "Runtime.evaluate",
        expression=_PREPARE_JS % {"timeout_ms": DRAW_TIMEOUT_S * 1000},
        awaitPromise=True,
        returnByValue=True,
        timeout=DRAW_TIMEOUT_S + 30,
    )
    state = prepared.get("result", {}).get("value") or {}
    if state.get("drawn") != state.get("charts"):
        raise RenderError(
            f"{html_path}: only {state.get('drawn')} of {state.get('charts')} charts were drawn "
            f"in {DRAW_TIMEOUT_S} s; the PDF would have blank charts"
        )
    # a pair of blocks taller than a page is not shrunk to fit (it would be unreadable): the
    # second block then starts the next page, which break-inside: avoid does by itself
    header, footer = _templates(title, week)
    result = page.call(
        "Page.printToPDF",
        printBackground=True,
        displayHeaderFooter=True,
        headerTemplate=header,
        footerTemplate=footer,
        paperWidth=PAPER_WIDTH_IN,
        paperHeight=PAPER_HEIGHT_IN,
        marginTop=MARGIN_TOP_IN,
        marginBottom=MARGIN_BOTTOM_IN,
        marginLeft=MARGIN_SIDE_IN,
        marginRight=MARGIN_SIDE_IN,
        scale=max(0.1, min(scale, 2.0)),
        preferCSSPageSize=False,
    )
    return base64.b64decode(result["data"])


def print_deck(deck: Deck, html_path: Path, pdf_path: Path) -> Path:
    """Print a deck's rendered HTML with its title and week in the page header."""
    day = deck.week_ending
    week = (
        f"Week {deck.week_number}, ending {day:%a} {day.day} {MONTH_ABBR[day.month - 1]} {day.year}"
    )
    return print_pdf(html_path, pdf_path, deck.title, week)
