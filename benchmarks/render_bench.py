"""Rendering speed and size: prints the figures recorded in benchmarks/README.md ("## Rendering").

    .venv/bin/python benchmarks/render_bench.py [--runs 3] [--blocks 300] [--no-browser]
    .venv/bin/python benchmarks/render_bench.py --browser-only 15 300 1000 [--runs 5]

1. `wbr run` on the sample, as a fresh process (interpreter start, build, kernel, HTML export);
   target < 30 s once set up (kernel registered).
2. HTML size per block: the sample deck's page minus plotly.js, per block; target plotly.js plus
   at most 25 KiB per block.
3. A synthetic 300-block deck: the HTML built in-process (no kernel) and through the notebook
   (papermill + nbconvert); target < 60 s. Optionally, how long headless Chromium takes to draw
   every chart of that page.
4. `--browser-only N ... [--runs R]`: only the browser, on synthetic decks of N blocks, each
   opened at its top (until every chart is drawn) and at its middle block (until that screen is
   drawn), R times (issue 14: the first screen within 3 s and a 1,000-block deck drawn in under
   80 s, at the same cost per chart as 15).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic_deck import large_deck  # noqa: E402
from wbr.engine.deck import Deck  # noqa: E402
from wbr.render.assets import plotly_js  # noqa: E402
from wbr.render.html import count_charts, deck_html  # noqa: E402
from wbr.render.report import DECK_JSON_NAME, HTML_NAME, render_report  # noqa: E402

RUN = (
    "import sys; from wbr.render.report import run_report;"
    " run_report(sys.argv[1], out_dir=sys.argv[2])"
)


def time_wbr_run(runs: int, out: Path) -> list[float]:
    """Wall seconds of a whole `wbr run` equivalent process on the sample, per run."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", RUN, str(ROOT / "wbr.yaml"), str(out)],
            check=True,
            cwd=ROOT,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def stage_times(out: Path) -> dict[str, float]:
    """Seconds per stage of one in-process run, from the progress messages."""
    from wbr.render.report import run_report

    marks: list[tuple[str, float]] = [("start", time.perf_counter())]
    run_report(
        ROOT / "wbr.yaml",
        out_dir=out,
        progress=lambda m: marks.append((m.split(" ")[0], time.perf_counter())),
    )
    named = {}
    for (name, at), (_, next_at) in itertools.pairwise(marks):
        named[name] = named.get(name, 0.0) + next_at - at
    return named


def per_block_bytes(folder: Path) -> tuple[int, float, int]:
    """(plotly.js bytes, HTML bytes per block beyond plotly.js, blocks) of a rendered deck."""
    html = (folder / HTML_NAME).read_text(encoding="utf-8")
    blocks = len(Deck.read_json(folder / DECK_JSON_NAME).blocks)
    js = len(plotly_js().encode())
    return js, (len(html.encode()) - js) / blocks, blocks


# Times every Plotly.newPlot in the page (wrapped the moment plotly.js sets window.Plotly, so no
# poll runs while the page loads) and notes the first contentful paint.
_RECORD_DRAWS = """
(function () {
  window.wbrDraws = [];
  var plotly;
  Object.defineProperty(window, 'Plotly', {configurable: true, get: function () { return plotly; },
    set: function (value) {
      plotly = value;
      var newPlot = value.newPlot;
      value.newPlot = function (el) {
        var start = performance.now();
        var drawn = newPlot.apply(this, arguments);
        wbrDraws.push([start, performance.now(), typeof el === 'string' ? el : el.id]);
        return drawn;
      };
    }});
})();
"""
# ids of the chart divs on screen now
_IN_VIEW = """JSON.stringify(Array.from(document.getElementsByClassName('plotly-graph-div'))
  .filter(d => { const r = d.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })
  .map(d => d.id))"""
# in-page milliseconds since navigation: paint, parse, load and plotly.js marks
_MARKS = """(() => {
  const mark = n => (performance.getEntriesByName(n)[0] || {}).startTime;
  const nav = performance.getEntriesByType('navigation')[0];
  return JSON.stringify({paint: mark('first-contentful-paint'), plotly: mark('wbr-plotly-ready'),
    parsed: nav.domContentLoadedEventStart, origin: performance.timeOrigin});
})()"""


def browser_draw_seconds(
    page: Path, anchor: str = "", every: bool = True, timeout: float = 600
) -> dict | None:
    """Headless Chromium opens the page from disk (at `anchor`, e.g. '#block-500'): seconds from
    the navigation command to the first screen drawn (painted, with every chart on it drawn), to
    the first chart drawn and, when `every`, to every chart drawn; Plotly.newPlot's mean ms for the
    first and last 50 charts. None without Chromium.

    Times come from the page's own clock (performance.now(), the paint timing and the loader's
    marks), offset by when the navigation started; the poll that waits for the end is cheap and
    slow (a count, twice a second): a poll walking every block would slow what it measures.
    """
    import json
    import shutil

    if shutil.which("chromium") is None:
        return None
    from tests.test_browser_e2e import Browser

    charts = count_charts(page.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(Path(profile))
        try:
            browser.call(
                "Page.addScriptToEvaluateOnNewDocument", session=True, source=_RECORD_DRAWS
            )
            navigated = time.time() * 1000
            start = time.perf_counter()
            browser.call("Page.navigate", session=True, url=page.resolve().as_uri() + anchor)
            while time.perf_counter() - start < timeout:
                time.sleep(0.5)
                if browser.evaluate("document.readyState") != "complete":
                    continue
                done = browser.evaluate("window.wbrDraws.length") or 0
                if done < (charts if every else 1):
                    continue
                drawn = {d[2] for d in json.loads(browser.evaluate("JSON.stringify(wbrDraws)"))}
                if all(c in drawn for c in json.loads(browser.evaluate(_IN_VIEW))):
                    break
            in_view = json.loads(browser.evaluate(_IN_VIEW))
            draws = json.loads(browser.evaluate("JSON.stringify(wbrDraws)"))
            marks = json.loads(browser.evaluate(_MARKS))
        finally:
            browser.close()
    lag = marks.pop("origin") - navigated  # navigation command to the page's time origin
    ends = {ident: end for _, end, ident in draws}
    paint = marks.get("paint", 0.0)
    screen = max([paint] + [ends.get(c, float("inf")) for c in in_view])
    spent = [end - begin for begin, end, _ in draws]
    return {
        "screen_s": (screen + lag) / 1000,
        "charts_on_screen": len(in_view),
        "paint_s": (paint + lag) / 1000,
        "plotly_s": (marks.get("plotly", 0.0) + lag) / 1000,
        "parsed_s": (marks["parsed"] + lag) / 1000,
        "first_s": ((min(ends.values()) if ends else 0.0) + lag) / 1000,
        "every_s": ((max(ends.values()) if ends else 0.0) + lag) / 1000,
        "charts": charts,
        "drawn": len(ends),
        "first_ms": statistics.mean(spent[:50]) if spent else 0.0,
        "last_ms": statistics.mean(spent[-50:]) if spent else 0.0,
    }


def load_average() -> str:
    """The 1-minute load average (other jobs on the machine slow every figure here)."""
    return Path("/proc/loadavg").read_text().split()[0]


def print_browser(name: str, drawn: dict) -> None:
    print(
        f"{name} in headless Chromium: first screen {drawn['screen_s']:.2f} s "
        f"({drawn['charts_on_screen']} charts on it; painted {drawn['paint_s']:.2f} s, "
        f"plotly.js ready {drawn['plotly_s']:.2f} s, page parsed {drawn['parsed_s']:.2f} s), "
        f"first chart {drawn['first_s']:.2f} s, "
        + (
            f"every chart {drawn['every_s']:.1f} s ({drawn['drawn']} of {drawn['charts']}); "
            f"Plotly.newPlot {drawn['first_ms']:.0f} ms per chart for the first 50, "
            f"{drawn['last_ms']:.0f} ms for the last 50"
            if drawn["drawn"] >= drawn["charts"]
            else f"{drawn['drawn']} of {drawn['charts']} charts drawn when it stopped"
        )
        + f"  [load {load_average()}]"
    )


def browser_only(sizes: list[int], runs: int = 1) -> None:
    """Only the browser: synthetic decks of these block counts, rendered in process; each opened
    at its top until every chart is drawn, and at its middle block until that screen is drawn."""
    with tempfile.TemporaryDirectory() as scratch:
        for blocks in sizes:
            page = Path(scratch) / f"deck{blocks}.html"
            page.write_text(deck_html(large_deck(blocks)), encoding="utf-8")
            for _ in range(runs):
                drawn = browser_draw_seconds(page)
                if drawn is None:
                    raise SystemExit("chromium not found")
                print_browser(f"{blocks}-block deck", drawn)
                middle = f"#block-{(blocks + 1) // 2}"
                drawn = browser_draw_seconds(page, anchor=middle, every=False)
                print_browser(f"{blocks}-block deck opened at {middle}", drawn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=300)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--browser-only",
        type=int,
        nargs="+",
        metavar="BLOCKS",
        help="only draw synthetic decks of these block counts in Chromium (e.g. 15 300 1000)",
    )
    args = parser.parse_args()
    if args.browser_only:
        browser_only(args.browser_only, args.runs)
        return

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "reports"
        runs = time_wbr_run(args.runs, out)
        print(
            f"wbr run on the sample (fresh process): median {statistics.median(runs):.1f} s "
            f"over {len(runs)} runs {[round(t, 1) for t in runs]}  (target < 30 s)"
        )
        stages = stage_times(out)
        print("  in-process stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))

        folder = next(p for p in out.iterdir() if not p.name.startswith("."))
        js, per_block, blocks = per_block_bytes(folder)
        print(
            f"sample HTML: plotly.js {js / 1024:.0f} KiB once + {per_block / 1024:.1f} KiB per "
            f"block over {blocks} blocks (target <= 25 KiB per block)"
        )

        deck = large_deck(args.blocks)
        start = time.perf_counter()
        page = deck_html(deck)
        direct = time.perf_counter() - start
        assert count_charts(page) == args.blocks
        print(
            f"{args.blocks}-block deck, HTML in-process (no kernel): {direct:.1f} s, "
            f"{len(page.encode()) / 2**20:.1f} MiB, "
            f"{(len(page.encode()) - js) / args.blocks / 1024:.1f} KiB per block"
        )

        start = time.perf_counter()
        big = render_report(deck, Path(scratch) / "big")
        through = time.perf_counter() - start
        size = (big / HTML_NAME).stat().st_size
        print(
            f"{args.blocks}-block deck through the notebook (papermill + nbconvert): "
            f"{through:.1f} s, {size / 2**20:.1f} MiB  (target < 60 s)"
        )

        if not args.no_browser:
            for name, page in (
                ("sample", folder / HTML_NAME),
                (f"{args.blocks}-block", big / HTML_NAME),
            ):
                drawn = browser_draw_seconds(page)
                if drawn is not None:
                    print_browser(f"{name} deck", drawn)


if __name__ == "__main__":
    main()
