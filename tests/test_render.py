"""The HTML deck: cover, summary, box score formatting, escaping, one plotly.js, thin notebooks."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import nbformat
import pytest
from plotly.offline import get_plotlyjs_version

from tests.synthetic_deck import make_block, make_deck, standard_blocks
from wbr.engine.deck import Commentary
from wbr.render.assets import bundle_version, plotly_banner, plotly_js
from wbr.render.html import (
    CHART_DIV_CLASS,
    block_html,
    box_score_html,
    change_html,
    count_charts,
    cover_html,
    deck_html,
    favourability,
    head_html,
    summary_html,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {"wbr_deck.ipynb": ROOT / "wbr" / "notebooks", "explore.ipynb": ROOT / "notebooks"}
DECK = make_deck()  # the deck a block is rendered in (week 47, MTD of 21 days)
PLOTLY_BANNER = plotly_banner()  # the licence comment at the top of the embedded plotly.js


def _cells(html: str) -> list[str]:
    """Text of each table cell of a box score, tags removed."""
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]


def test_cover_shows_week_calendar_and_data_status():
    html = cover_html(make_deck())
    assert "Week 47, ending Sat 21 Nov 2026" in html
    assert "Acme Retail WBR" in html
    assert "Saturday" in html and "January" in html
    assert "same calendar dates last year" in html
    assert "Fri 20 Nov 2026" in html  # data complete through
    assert "Mon 23 Nov 2026 06:00 UTC" in html  # generated at
    assert "Data is not complete through the week ending" in html


def test_box_score_columns_are_in_the_fixed_order():
    cells = _cells(box_score_html(DECK, make_block(1)))
    assert cells[:10] == ["", "LastWk", "WOW", "YOY", "MTD", "YOY", "QTD", "YOY", "YTD", "YOY"]


def test_rates_compare_in_whole_bps_volumes_in_one_decimal_percent():
    rate = make_block(1, unit="percent", aggregation="ratio", comparison="bps", base=0.0335)
    volume = make_block(2)
    assert "+25 bps" in box_score_html(DECK, rate)
    assert "+2.5%" in box_score_html(DECK, volume)
    assert "3.35%" in box_score_html(DECK, rate)  # the value itself, 2 decimals


def test_undefined_comparisons_read_na():
    cells = _cells(box_score_html(DECK, make_block(1)))
    assert cells[15] == "N/A"  # MTD YOY is None in the synthetic block
    assert "0.0%" not in cells[15]


def test_arrows_show_direction_and_colour_follows_polarity():
    up_good = change_html(2.5, "pct", "higher_is_better")
    up_bad = change_html(2.5, "pct", "lower_is_better")
    down_good = change_html(-30.0, "bps", "lower_is_better")
    assert "▲" in up_good and "wbr-good" in up_good and "(favourable)" in up_good
    assert "▲" in up_bad and "wbr-bad" in up_bad and "(unfavourable)" in up_bad
    assert "▼" in down_good and "wbr-good" in down_good and "-30 bps" in down_good
    neutral = change_html(2.5, "pct", "neutral")
    assert "▲" in neutral and "wbr-good" not in neutral and "wbr-bad" not in neutral


def test_drivers_name_the_segments_that_moved_the_metric():
    drivers = {
        "dimensions": {
            "region": {
                "yoy": {
                    "delta": -486_600.0,
                    "segments": [
                        {"segment": "West", "delta": -396_100.0, "share": 0.814},
                        {"segment": "<East>", "delta": 10_000.0, "share": -0.02},
                    ],
                }
            }
        },
        "mix_rate": {
            "channel": {
                "wow": {
                    "unit": "bps",
                    "delta": -30.0,
                    "mix": -45.0,
                    "rate": 12.0,
                    "interaction": 3.0,
                }
            }
        },
    }
    block = dataclasses.replace(make_block(1, unit="currency"), drivers=drivers)
    html = block_html(DECK, block)
    assert "<b>region</b> YoY -$487K: West -$396K (81%), &lt;East&gt; +$10.0K (-2%)" in html
    assert "<b>channel</b> WoW -30 bps = mix -45 bps, rate +12 bps, interaction +3 bps" in html


def test_a_change_that_rounds_to_zero_has_no_arrow_or_colour():
    tiny = change_html(-0.01, "pct", "higher_is_better")
    assert "▼" not in tiny and "wbr-bad" not in tiny
    assert "0.0%" in tiny


@pytest.mark.parametrize(
    ("change", "polarity", "expected"),
    [
        (1.0, "higher_is_better", "favourable"),
        (-1.0, "higher_is_better", "unfavourable"),
        (-1.0, "lower_is_better", "favourable"),
        (1.0, "neutral", None),
        (None, "higher_is_better", None),
        (0.0, "higher_is_better", None),
    ],
)
def test_favourability_is_sign_times_polarity(change, polarity, expected):
    assert favourability(change, polarity) == expected


def test_plan_rows_only_when_there_is_a_plan():
    with_plan = _cells(box_score_html(DECK, make_block(1)))
    without = _cells(box_score_html(DECK, make_block(1, plan=False)))
    assert "Plan" in with_plan and "vs Plan" in with_plan
    assert "Plan" not in without and "vs Plan" not in without
    vs_plan = with_plan[with_plan.index("vs Plan") :]
    assert vs_plan[1] == "▼ -3.0% (unfavourable)"


def test_mtd_day_count_is_shown_when_the_month_is_young():
    young = dataclasses.replace(DECK, period_days={"mtd": 3, "qtd": 3, "ytd": 276})  # 3 Oct
    assert "MTD (3 d)" in box_score_html(young, make_block(1))
    assert "MTD covers only 3 days" in box_score_html(young, make_block(1))
    assert "MTD (" not in box_score_html(DECK, make_block(1))


def test_commentary_from_csv_is_escaped():
    block = make_block(1, commentary="<script>alert('x')</script> & <b>bold</b>")
    html = block_html(DECK, block)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;" in html


def test_every_text_field_from_data_is_escaped():
    block = dataclasses.replace(
        make_block(1, flagged=True),
        label="<i>Orders</i>",
        owner="<u>Dana</u>",
        commentary=(Commentary("<em>Dana</em>", "ok", ("<s>lint</s>",)),),
    )
    html = block_html(DECK, block) + summary_html(make_deck([block]))
    for raw in ("<i>Orders</i>", "<u>Dana</u>", "<em>Dana</em>", "<s>lint</s>"):
        assert raw not in html


def test_flagged_block_without_commentary_says_so():
    html = block_html(DECK, make_block(1, flagged=True))
    assert "wbr-missing" in html and "No commentary" in html
    assert "wbr-missing" not in block_html(DECK, make_block(1))


def test_block_shows_number_owner_flags_questions_and_incomplete_badge():
    html = block_html(DECK, make_block(7, flagged=True, incomplete=True))
    assert 'id="block-7"' in html and '<span class="wbr-block-number">7</span>' in html
    assert "Owner: Dana Ruiz" in html
    assert "above the upper natural process limit" in html
    assert "What changed in" in html
    assert "Data incomplete" in html and "* provisional" in html


def test_summary_lists_flagged_blocks_questions_plan_misses_and_data_issues():
    html = summary_html(make_deck())
    assert 'href="#block-2"' in html and 'href="#block-4"' in html
    assert "XmR outside limits; Plan miss streak" in html
    assert "above the upper natural process limit" in html  # the most severe flag's detail
    assert "What changed in Conversion rate in wk 47?" in html
    plan_misses = html[html.index("<h3>Plan misses</h3>") : html.index("<h3>Data issues</h3>")]
    assert re.findall(r'href="#block-(\d+)"', plan_misses) == ["2", "4"]
    assert "▼ -30 bps" in plan_misses  # conversion LastWk vs plan, in bps
    assert "missing Sat 21 Nov 2026" in html


def test_sections_follow_deck_order_with_stable_numbers():
    html = deck_html(make_deck())
    order = [
        m.group(1) for m in re.finditer(r'class="wbr-section-title" id="section-([a-z-]+)"', html)
    ]
    assert order == ["traffic", "shopping", "financials"]
    numbers = [int(n) for n in re.findall(r'id="block-(\d+)"', html)]
    assert numbers == [1, 2, 4, 3]  # Shopping holds blocks 2 and 4, Financials block 3


def test_plotly_js_is_embedded_once_and_nothing_loads_from_the_network():
    html = deck_html(make_deck())
    assert html.count(PLOTLY_BANNER) == 1
    assert count_charts(html) == 4
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert "require.js" not in html and "MathJax.js" not in html.replace("MathJaxConfig", "")
    assert head_html().count(PLOTLY_BANNER) == 1
    assert html.count("window.wbrChart = function") == 1  # the chart loader, once
    assert html.count('wbrChart("wbr-chart-') == 4


def test_no_text_from_data_can_close_a_chart_script():
    block = make_block(1, label="</script><script>alert(1)</script>")
    html = block_html(DECK, block)
    assert html.count("<script>") == 1 and "alert(1)</script>" not in html
    assert html.count('<script type="application/json">') == 1  # the figure, as inert JSON


def test_the_deck_embeds_plotly_js_basic_bundle_of_the_version_plotly_writes_figures_for():
    assert bundle_version(plotly_js()) == get_plotlyjs_version()
    assert "(basic - minified)" in PLOTLY_BANNER
    assert len(plotly_js()) < 1.5 * 2**20  # the full bundle is 4.7 MB


def test_a_plotly_upgrade_falls_back_to_plotly_s_full_bundle(monkeypatch):
    """After `pip install -U plotly`, until the basic bundle is updated to the new version, a deck
    embeds the plotly.js the new plotly ships, whose figures it draws."""
    import plotly.offline

    monkeypatch.setattr(plotly.offline, "get_plotlyjs_version", lambda: "999.0.0")
    plotly_js.cache_clear()
    try:
        assert plotly_js() == plotly.offline.get_plotlyjs()
    finally:
        plotly_js.cache_clear()


def test_nothing_heavy_runs_before_the_first_paint():
    """plotly.js (4.7 MB) and the charts' figures are inert text on the page: the scripts the
    browser runs while it parses the deck are the chart loader and one short call per chart."""
    blocks = standard_blocks()
    html = deck_html(make_deck(blocks))
    scripts = re.findall(r"<script( [^>]*)?>(.*?)</script>", html, flags=re.S)
    running = [body for attrs, body in scripts if "type=" not in attrs]
    assert len(running) == 2 + len(blocks)  # PlotlyConfig, the loader, a call per chart
    assert sum(len(body) for body in running) < 12_000
    inert = {attrs.strip(): body for attrs, body in scripts if "type=" in attrs}
    assert PLOTLY_BANNER in inert['type="text/x-wbr-plotly" id="wbr-plotly-js"']
    assert html.index('id="wbr-plotly-js"') < html.index(CHART_DIV_CLASS)


def test_each_block_adds_at_most_25_kib():
    empty = len(deck_html(make_deck([])).encode())
    blocks = [
        make_block(n, flagged=n % 2 == 0, events=True, commentary="Orders +2.5% WoW.")
        for n in range(1, 21)
    ]
    per_block = (len(deck_html(make_deck(blocks)).encode()) - empty) / len(blocks)
    assert per_block < 25 * 1024


def test_chart_div_ids_are_stable():
    first = deck_html(make_deck())
    assert first == deck_html(make_deck())
    assert 'id="wbr-chart-3"' in first


def test_appendix_lists_every_metric():
    html = deck_html(make_deck())
    appendix = html[html.index('id="appendix"') :]
    for block in standard_blocks():
        assert f"<code class='wbr-muted'>{block.metric}</code>" in appendix
    assert "<th>Definition</th>" not in appendix  # no empty column while blocks carry none


@pytest.mark.parametrize("name", ["wbr_deck.ipynb", "explore.ipynb"])
def test_notebooks_are_committed_without_outputs_and_hold_no_logic(name):
    notebook = nbformat.read(NOTEBOOKS[name] / name, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1
    for cell in code:
        assert not re.search(r"^\s*(def|for|while|class|if)\b", cell.source, flags=re.M), (
            cell.source
        )
    assert notebook.metadata.kernelspec.name == "wbr"


def test_deck_notebook_parameters_hold_no_secrets():
    notebook = nbformat.read(NOTEBOOKS["wbr_deck.ipynb"] / "wbr_deck.ipynb", as_version=4)
    parameters = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    names = re.findall(r"^(\w+)\s*=", parameters.source, flags=re.M)
    assert names == ["config_path", "week_ending", "deck_json", "output_dir"]
