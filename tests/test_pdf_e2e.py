"""`wbr run --pdf --require-complete` end to end: papermill, nbconvert, then headless Chromium
prints deck.pdf; read back with poppler (pdftotext, pdftoppm)."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import daily_rows, write_business
from wbr.cli import main
from wbr.engine.deck import Deck

pytestmark = pytest.mark.e2e

WEEK = "2026-11-21"
LAST_WEEK = "2026-11-14"
CONFIG = """\
title: Print test
sources:
  actuals: {path: metrics.csv, format: long}
sections: [Shopping, Traffic]
metrics:
  orders: {label: Orders placed, section: Shopping, owner: Ann}
  conversion: {label: Conversion rate, aggregation: ratio, numerator: orders,
               denominator: sessions, unit: percent, section: Shopping}
  returns: {label: Items returned, section: Shopping, polarity: lower_is_better}
  sessions: {label: Site sessions, section: Traffic}
"""


def _text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, Deck]:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.fail("poppler-utils is not installed (.ci/run installs it)")
    folder = tmp_path_factory.mktemp("print")
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0, "returns": 20.0}, end=WEEK)
    config = write_business(folder, CONFIG, {"metrics.csv": rows})
    out = folder / "reports"
    # last week's report first: this week's run compares with it
    assert (
        main(["run", "--config", str(config), "--week", LAST_WEEK, "--out", str(out), "--quiet"])
        == 0
    )
    args = ["--config", str(config), "--week", WEEK, "--out", str(out)]
    code = main(["run", *args, "--pdf", "--require-complete", "--quiet"])
    assert code == 0  # every metric is complete through the week: the run goes ahead
    report = out / WEEK
    return report / "deck.pdf", Deck.read_json(report / "deck.json")


def test_pdf_holds_every_block_title_in_order(printed):
    pdf, deck = printed
    body = "".join(_text(pdf, page) for page in range(2, _page_count(pdf)))  # after the summary
    positions = [body.find(block.label) for block in deck.blocks]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)


def _page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


def test_page_count_is_summary_then_two_blocks_a_page_then_appendix(printed, tmp_path):
    pdf, deck = printed
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    expected = 1 + sum(math.ceil(len(s.blocks) / 2) for s in deck.sections) + 1
    assert len(pages) == expected == _page_count(pdf)


def test_summary_is_on_page_one_and_every_page_has_header_and_number(printed):
    pdf, deck = printed
    count = _page_count(pdf)
    assert "Summary" in _text(pdf, 1) and "Flagged blocks" in _text(pdf, 1)
    for page in range(1, count + 1):
        text = _text(pdf, page)
        assert deck.title in text and "Week 47, ending Sat 21 Nov 2026" in text
        assert f"Page {page} of {count}" in text


def test_no_page_holds_more_than_two_blocks_and_every_chart_is_drawn(printed):
    pdf, deck = printed
    for page in range(2, _page_count(pdf)):
        text = _text(pdf, page)
        heads = [b for b in deck.blocks if f"{b.number} {b.label}" in " ".join(text.split())]
        assert len(heads) <= 2, (page, [b.label for b in heads])
        # a drawn chart prints its axis labels; an undrawn one prints nothing
        assert text.count("wk 47") >= len(heads), page


def test_the_run_compares_with_last_weeks_report(printed):
    pdf, deck = printed
    assert str(deck.history.compared_with) == LAST_WEEK
    html = (pdf.parent / "deck.html").read_text(encoding="utf-8")
    assert "Since the previous deck (week ending Sat 14 Nov 2026)" in html
