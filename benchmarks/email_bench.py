"""Email size and speed: prints the figures recorded in benchmarks/README.md ("## Email").

    .venv/bin/python benchmarks/email_bench.py [--report reports/2026-11-21] [--runs 3]

1. The sample deck's email (the bundled wbr.yaml, rendered into a temporary folder unless
   --report names an already rendered reports/<week-ending>/): total .eml size, HTML body and
   plain-text sizes against the 100 KB limit, number and size of inline chart images, the
   attached deck raw and on the wire (base64).
2. Chart images: time to draw the email's charts in one kaleido/Chromium session (best of
   --runs), and one chart alone (the cost of starting the browser).
3. A synthetic 300-block deck (150 flagged): HTML body size and how much the 100 KB limit left out.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic_deck import large_deck  # noqa: E402
from wbr.deliver.mail import (  # noqa: E402
    HTML_BODY_LIMIT,
    build_message,
    chart_blocks,
    render_charts,
    summary_bodies,
)
from wbr.engine.config import load_config  # noqa: E402
from wbr.engine.deck import Deck  # noqa: E402
from wbr.render.report import DECK_JSON_NAME, HTML_NAME, run_report  # noqa: E402

SAMPLE = ROOT / "wbr.yaml"


def _kb(size: int) -> str:
    return f"{size / 1000:,.1f} KB"


def _best(runs: int, job) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    """Print the sample email's sizes, chart drawing times and the 300-block body size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="an already rendered report folder")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        report = args.report
        if report is None:
            started = time.perf_counter()
            report = run_report(SAMPLE, out_dir=Path(scratch) / "reports")
            print(f"rendered the sample report in {time.perf_counter() - started:.1f} s")
        deck = Deck.read_json(report / DECK_JSON_NAME)
        numbers = chart_blocks(deck)
        flagged = sum(b.flagged for b in deck.blocks)
        print(f"sample: {len(deck.blocks)} blocks, {flagged} flagged, {len(numbers)} charts")

        seconds, charts = _best(args.runs, lambda: render_charts(deck, numbers))
        one, _ = _best(args.runs, lambda: render_charts(deck, numbers[:1]))
        print(
            f"charts: {len(numbers)} in one session {seconds:.2f} s best of {args.runs} "
            f"({seconds / len(numbers):.2f} s each); 1 chart alone {one:.2f} s"
        )

        started = time.perf_counter()
        message = build_message(
            deck, report / HTML_NAME, load_config(SAMPLE), ["leaders@example.com"],
            "wbr@example.com", charts,
        )  # fmt: skip
        eml = message.as_bytes()
        built = time.perf_counter() - started
        eml_path = Path(scratch) / "sample.eml"
        eml_path.write_bytes(eml)
        parsed = email.message_from_bytes(eml, policy=email.policy.default)
        html = parsed.get_body(preferencelist=("html",)).get_content().encode()
        text = parsed.get_body(preferencelist=("plain",)).get_content().encode()
        images = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
        image_bytes = sum(len(p.get_payload(decode=True)) for p in images)
        deck_bytes = os.path.getsize(report / HTML_NAME)
        print(f"message built in {built:.2f} s")
        print(f".eml total: {len(eml) / 1e6:.2f} MB")
        limit = _kb(HTML_BODY_LIMIT)
        print(f"HTML body: {_kb(len(html))} (limit {limit}); plain text {_kb(len(text))}")
        print(
            f"inline images: {len(images)}, {_kb(image_bytes)} "
            f"({_kb(image_bytes // max(len(images), 1))} each)"
        )
        wire = deck_bytes * 4 / 3 / 1e6
        print(f"attached deck: {deck_bytes / 1e6:.2f} MB raw, about {wire:.2f} MB base64")

    big = large_deck(300)
    started = time.perf_counter()
    html_text, _, _ = summary_bodies(big, "deck.html", {})
    body_time = time.perf_counter() - started
    shown = html_text.count("min-width:24px")  # one number badge per flagged block shown
    print(
        f"300-block deck ({sum(b.flagged for b in big.blocks)} flagged): HTML body "
        f"{_kb(len(html_text.encode()))}, {shown} flagged blocks shown, built in {body_time:.2f} s"
    )


if __name__ == "__main__":
    main()
