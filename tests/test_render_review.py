"""Adversarial review of the rendered-deck path (report, render, charts, notebooks): one focused
test per defect found. Each test fails on the code as reviewed and states the expected behaviour."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import nbformat
import plotly.io as pio
import pytest

import wbr.render.report as report
from tests.synthetic_deck import make_block, make_deck
from wbr.errors import RenderError
from wbr.render.charts import chart_title, six_twelve_figure
from wbr.render.html import deck_html, head_html
from wbr.render.report import DECK_NOTEBOOK, HTML_NAME, _check_html, check_kernel
from wbr.render.report_folder import swap_into_place


def _strings(node):
    """Every string inside a figure's JSON, as plotly.js receives it."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


# ---------------------------------------------------------------- report folder and failures


def test_an_out_folder_that_cannot_be_made_is_a_render_error(tmp_path, monkeypatch):
    """`wbr run --out` under a file (or an unwritable or read-only folder) must give one clear
    line (a WbrError), not an OSError traceback from `out_dir.mkdir`."""
    monkeypatch.setattr(report, "check_kernel", lambda name=report.KERNEL_NAME: None)
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the reports folder should be")
    with pytest.raises(RenderError, match="reports"):
        report.render_report(make_deck(), blocker / "weekly")


def test_a_full_disk_while_writing_the_report_is_a_render_error(tmp_path, monkeypatch):
    """The final writes (deck.json, deck.html, the swap) can fail too: one clear line naming the
    cause, no staging folder left behind."""
    import errno
    import os

    from wbr.engine.deck import Deck

    monkeypatch.setattr(report, "check_kernel", lambda name=report.KERNEL_NAME: None)

    def full_disk(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(Deck, "write_json", full_disk)
    out = tmp_path / "reports"
    with pytest.raises(RenderError, match=r"No space left on device.*no report was written"):
        report.render_report(make_deck(), out)
    assert list(out.iterdir()) == []


def test_a_report_landing_from_a_concurrent_run_is_replaced_not_a_crash(tmp_path, monkeypatch):
    """Two runs of the same week whose folder did not exist yet: the later one finds the folder
    there between `target.exists()` and `rename`. It must replace it, not fail with a raw OSError
    'Directory not empty'."""
    target = tmp_path / "2026-11-21"
    staging = tmp_path / ".2026-11-21.partial-x"
    staging.mkdir()
    (staging / HTML_NAME).write_text("this run")
    real_exists = Path.exists

    def racing_exists(self, *args, **kwargs):
        if self == target and not real_exists(self):
            self.mkdir()  # the other run's rename lands right after our check
            (self / HTML_NAME).write_text("other run")
            return False
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", racing_exists)
    swap_into_place(staging, target)
    assert (target / HTML_NAME).read_text() == "this run"


def test_the_chart_check_fails_a_page_without_plotly_js():
    """Every chart div present but no plotly.js / wbrChart loader on the page (a notebook whose
    `show.head()` was removed with the cover cell): every chart is blank; the build must fail."""
    block = make_block(1)
    page = deck_html(make_deck([block])).replace(head_html(), "")
    assert "wbr-chart-1" in page and "window.wbrChart = function" not in page
    with pytest.raises(RenderError):
        _check_html(page, 1, Path("deck.html"))


@pytest.mark.e2e
def test_a_deck_notebook_without_the_head_cell_fails_the_report(tmp_path):
    """The same through the kernel: a `--notebook` whose cover cell (which also holds
    `show.head()`) was dropped writes a report whose charts never draw, and `wbr run` says done."""
    notebook = nbformat.read(DECK_NOTEBOOK, as_version=4)
    notebook.cells = [c for c in notebook.cells if c.get("id") != "cover"]
    custom = tmp_path / "no_cover.ipynb"
    nbformat.write(notebook, custom)
    out = tmp_path / "reports"
    with pytest.raises(RenderError):
        report.render_report(make_deck(), out, notebook=custom)
    assert not (out / "2026-11-21").exists()


def test_the_chart_check_fails_plotly_js_twice_or_after_the_first_chart():
    """show.head() called twice embeds 3.5 MB of plotly.js twice; called after the charts, the
    charts above it never draw."""
    page = deck_html(make_deck([make_block(1)]))
    _check_html(page, 1, Path("deck.html"))
    bare = page.replace(head_html(), "")
    for broken in (page.replace(head_html(), head_html() * 2), bare + head_html()):
        with pytest.raises(RenderError, match=r"show\.head\(\)"):
            _check_html(broken, 1, Path("deck.html"))


# ---------------------------------------------------------------- kernel check message


def test_kernel_install_hint_quotes_an_interpreter_path_with_spaces(monkeypatch):
    """The hint is meant to be pasted into a shell: a venv under 'My Projects' must be quoted."""
    exe = "/home/me/My Projects/wbr/.venv/bin/python"
    monkeypatch.setattr(sys, "executable", exe)
    with pytest.raises(RenderError) as caught:
        check_kernel("no-such-kernel")
    assert f"{shlex.quote(exe)} -m ipykernel install" in str(caught.value)


def test_kernel_install_hint_names_the_kernel_that_was_asked_for():
    """render_report(kernel_name='wbr-dev') missing: the hint registers 'wbr', no help."""
    with pytest.raises(RenderError) as caught:
        check_kernel("wbr-dev")
    assert "--name wbr-dev" in str(caught.value)


# ---------------------------------------------------------------- charts


@pytest.mark.parametrize(
    ("label", "base", "scale"),
    [("Clicks", 125_000.0, "K"), ("Mobile orders", 2_400_000.0, "M"), ("Bookings", 3e9, "B")],
)
def test_chart_title_keeps_the_scale_when_its_letter_is_in_the_label(label, base, scale):
    """'Clicks' shown in thousands must read 'Clicks (K)': the title drops the scale because
    'k' occurs in 'clicks' (a substring test on a one-letter unit label)."""
    block = make_block(1, label=label, base=base, aggregation="mean")
    assert chart_title(block) == f"{label} ({scale})"


def test_small_values_are_not_labelled_zero():
    """A defects-per-unit metric around 0.004: the box score shows 0.00400, the chart's data
    labels and hover text must not read 0.00 (a zero where the data is not zero)."""
    block = make_block(1, base=0.004, aggregation="mean", plan=False)
    figure = six_twelve_figure(block).to_dict()
    cy = next(t for t in figure["data"] if t.get("name") == "CY")
    shown = [text for text in cy["text"] if text]
    hover = [text for text in cy["customdata"] if text != "N/A"]
    assert shown and all(float(t.replace(",", "")) != 0 for t in shown), shown
    assert all(float(t.replace(",", "")) != 0 for t in hover), hover


def test_tiny_values_get_distinct_tick_labels():
    """Values around 2.4e-6: the tick step is 2e-7 but the tick format has 6 decimals, so
    neighbouring ticks print the same text (0.000002, 0.000002)."""
    block = make_block(1, base=2.4e-6, aggregation="mean", plan=False)
    axis = six_twelve_figure(block).to_dict()["layout"]["yaxis"]
    low, high = axis["range"]
    step = axis["dtick"]
    decimals = int(re.fullmatch(r",\.(\d+)f", axis["tickformat"]).group(1))
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    printed = [f"{t:,.{decimals}f}" for t in ticks]
    assert len(set(printed)) == len(printed), printed


def test_unit_text_from_the_config_shows_as_typed_in_the_chart():
    """Labels pass through charts._plain so plotly.js shows them as typed; the unit (free text
    in wbr.yaml) reaches the axis title, tick suffix and hover text raw, as plotly pseudo-HTML."""
    block = make_block(1, unit="<i>pts</i>", aggregation="mean", base=42.0, plan=False)
    figure = json.loads(pio.to_json(six_twelve_figure(block), validate=False))
    raw = [s for s in _strings(figure) if "<i>" in s]
    assert raw == [], raw[:3]


# ---------------------------------------------------------------- page structure


def test_section_anchors_are_unique():
    """'Sales & Ops' and 'Sales / Ops' both become id="section-sales---ops": the cover's
    contents link of the second section jumps to the first."""
    deck = make_deck(
        [
            make_block(1, "orders", section="Sales & Ops"),
            make_block(2, "returns", section="Sales / Ops"),
        ]
    )
    ids = re.findall(r'id="(section-[^"]*)"', deck_html(deck))
    assert len(ids) == 2 and len(set(ids)) == 2, ids
