"""Rendering speed and size: prints the figures recorded in benchmarks/README.md ("## Rendering").

    .venv/bin/python benchmarks/render_bench.py [--runs 3] [--blocks 300] [--no-browser]
    .venv/bin/python benchmarks/render_bench.py --browser-only 15 300 1000

1. `wbr run` on the sample, as a fresh process (interpreter start, build, kernel, HTML export);
   target < 30 s once set up (kernel registered).
2. HTML size per block: the sample deck's page minus plotly.js, per block; target plotly.js plus
   at most 25 KiB per block.
3. A synthetic 300-block deck: the HTML built in-process (no kernel) and through the notebook
   (papermill + nbconvert); target < 60 s. Optionally, how long headless Chromium takes to draw
   every chart of that page.
4. `--browser-only N ...`: only the browser, on synthetic decks of N blocks (issue 14: the first
   screen within 3 s and a 1,000-block deck drawn in under 80 s, at the same cost per chart as 15).
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


# Wraps Plotly.newPlot as soon as plotly.js defines it, to record each chart's drawing time.
_RECORD_DRAWS = """
(function () {
  window.wbrDraws = [];
  var wait = setInterval(function () {
    if (!window.Plotly || !Plotly.newPlot || Plotly.wbrTimed) return;
    clearInterval(wait);
    var newPlot = Plotly.newPlot;
    Plotly.wbrTimed = true;
    Plotly.newPlot = function () {
      var start = performance.now();
      var drawn = newPlot.apply(this, arguments);
      window.wbrDraws.push(performance.now() - start);
      return drawn;
    };
  }, 1);
})();
"""


def browser_draw_seconds(page: Path, timeout: float = 600) -> dict | None:
    """Headless Chromium opens the page from disk: seconds from navigation to the first chart
    drawn and to every chart drawn, and Plotly.newPlot's mean ms for the first and last 50.

    Polls a cheap count twice a second: a poll that walks every block (as the e2e test's state
    does) is itself work proportional to the page, and would slow the drawing it measures.
    """
    import json
    import shutil

    if shutil.which("chromium") is None:
        return None
    from tests.test_browser_e2e import BLOCK_STATE, Browser

    charts = count_charts(page.read_text(encoding="utf-8"))
    drawn = "document.getElementsByClassName('main-svg').length ? window.wbrDraws.length : 0"
    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(Path(profile))
        try:
            browser.call(
                "Page.addScriptToEvaluateOnNewDocument", session=True, source=_RECORD_DRAWS
            )
            start = time.perf_counter()
            browser.call("Page.navigate", session=True, url=page.resolve().as_uri())
            first = None
            while time.perf_counter() - start < timeout:
                count = browser.evaluate(drawn) or 0
                if first is None and count:
                    first = time.perf_counter() - start
                if count >= charts:
                    break
                time.sleep(0.5)
            every = time.perf_counter() - start
            state = json.loads(browser.evaluate(BLOCK_STATE) or "[]")
            draws = json.loads(browser.evaluate("JSON.stringify(window.wbrDraws)"))
        finally:
            browser.close()
    return {
        "first_s": first or 0.0,
        "every_s": every,
        "charts": charts,
        "drawn": sum(1 for b in state if b["svgs"]),
        "first_ms": statistics.mean(draws[:50]) if draws else 0.0,
        "last_ms": statistics.mean(draws[-50:]) if draws else 0.0,
    }


def print_browser(name: str, drawn: dict) -> None:
    print(
        f"{name} in headless Chromium: first chart {drawn['first_s']:.1f} s, every chart "
        f"{drawn['every_s']:.1f} s ({drawn['drawn']} of {drawn['charts']} drawn); "
        f"Plotly.newPlot {drawn['first_ms']:.0f} ms per chart for the first 50, "
        f"{drawn['last_ms']:.0f} ms for the last 50"
    )


def browser_only(sizes: list[int]) -> None:
    """Only the browser: synthetic decks of these block counts, rendered in process."""
    with tempfile.TemporaryDirectory() as scratch:
        for blocks in sizes:
            page = Path(scratch) / f"deck{blocks}.html"
            page.write_text(deck_html(large_deck(blocks)), encoding="utf-8")
            drawn = browser_draw_seconds(page)
            if drawn is None:
                raise SystemExit("chromium not found")
            print_browser(f"{blocks}-block deck", drawn)


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
        browser_only(args.browser_only)
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
