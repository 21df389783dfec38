"""Rendering speed and size: prints the figures recorded in benchmarks/README.md ("## Rendering").

    .venv/bin/python benchmarks/render_bench.py [--runs 3] [--blocks 300] [--no-browser]

1. `wbr run` on the sample, as a fresh process (interpreter start, build, kernel, HTML export);
   target < 30 s once set up (kernel registered).
2. HTML size per block: the sample deck's page minus plotly.js, per block; target plotly.js plus
   at most 25 KiB per block.
3. A synthetic 300-block deck: the HTML built in-process (no kernel) and through the notebook
   (papermill + nbconvert); target < 60 s. Optionally, how long headless Chromium takes to draw
   every chart of that page.
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


def browser_draw_seconds(page: Path) -> tuple[float, float] | None:
    """Seconds from navigation until the first chart drew, and until every chart drew."""
    import json
    import shutil

    if shutil.which("chromium") is None:
        return None
    from tests.test_browser_e2e import BLOCK_STATE, Browser

    with tempfile.TemporaryDirectory() as profile:
        browser = Browser(Path(profile))
        try:
            start = time.perf_counter()
            browser.call("Page.navigate", session=True, url=page.resolve().as_uri())
            first = None
            while True:
                state = json.loads(browser.evaluate(BLOCK_STATE) or "[]")
                if first is None and state and state[0]["svgs"]:
                    first = time.perf_counter() - start
                if state and all(b["svgs"] for b in state):
                    return first or 0.0, time.perf_counter() - start
                time.sleep(0.05)
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=300)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

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
                    print(
                        f"{name} deck in headless Chromium: first chart {drawn[0]:.1f} s, "
                        f"every chart {drawn[1]:.1f} s"
                    )


if __name__ == "__main__":
    main()
