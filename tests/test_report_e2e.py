"""run_report end to end: papermill on the real kernel, nbconvert HTML, atomic report folder."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

from tests.synthetic_deck import make_deck
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.deck import Deck
from wbr.errors import RenderError
from wbr.render.html import count_charts
from wbr.render.report import (
    DECK_JSON_NAME,
    DECK_NOTEBOOK,
    FAILED_DIR,
    HTML_NAME,
    NOTEBOOK_NAME,
    _check_html,
    check_kernel,
    render_report,
    run_report,
)
from wbr.render.report_folder import swap_into_place

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "wbr.yaml"
EXPLORE = ROOT / "notebooks" / "explore.ipynb"


def _numbers(deck_json: Path) -> dict:
    """deck.json without its generated-at stamp: the numbers and words of the deck."""
    data = json.loads(deck_json.read_text())
    data.pop("generated_at")
    return data


def _without_stamp(html: str) -> str:
    return re.sub(r"<dt>Generated</dt><dd>[^<]*</dd>", "", html)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    """The bundled sample rendered once for this module."""
    out = tmp_path_factory.mktemp("reports")
    messages: list[str] = []
    folder = run_report(SAMPLE, out_dir=out, progress=messages.append)
    assert any(m.startswith("executing") for m in messages)
    assert messages[-1] == f"wrote {folder / HTML_NAME}"
    return folder


@pytest.mark.e2e
def test_sample_report_has_html_notebook_and_deck_json(sample_report):
    deck = Deck.read_json(sample_report / DECK_JSON_NAME)
    assert sample_report.name == deck.week_ending.isoformat()
    assert {p.name for p in sample_report.iterdir()} == {HTML_NAME, NOTEBOOK_NAME, DECK_JSON_NAME}
    html = (sample_report / HTML_NAME).read_text()
    assert count_charts(html) == len(deck.blocks) > 0
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert "load_deck(" not in html and "show.sections(" not in html  # code cells are hidden
    assert f"Week {deck.week_number}, ending" in html
    assert not list(sample_report.parent.glob(".*partial*"))


@pytest.mark.e2e
def test_report_numbers_are_the_engines_numbers(sample_report):
    rendered = _numbers(sample_report / DECK_JSON_NAME)
    # the run compared with earlier decks in its reports folder (none): so does this build
    built = build_deck(load_config(SAMPLE), history_dir=sample_report.parent).to_dict()
    built.pop("generated_at")
    assert rendered == built


@pytest.mark.e2e
def test_rerunning_the_same_week_gives_the_same_numbers(sample_report, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(sample_report, out / sample_report.name)
    again = run_report(SAMPLE, week_ending=sample_report.name, out_dir=out)
    assert again == out / sample_report.name
    assert _numbers(again / DECK_JSON_NAME) == _numbers(sample_report / DECK_JSON_NAME)
    first = (sample_report / HTML_NAME).read_text()
    second = (again / HTML_NAME).read_text()
    assert _without_stamp(first) == _without_stamp(second)  # charts differ only in the timestamp


@pytest.mark.e2e
def test_failing_cell_keeps_the_previous_report_and_names_the_cell(sample_report, tmp_path):
    out = tmp_path / "reports"
    previous = out / sample_report.name
    shutil.copytree(sample_report, previous)
    before = {p.name: p.read_bytes() for p in previous.iterdir()}

    notebook = nbformat.read(DECK_NOTEBOOK, as_version=4)
    broken = nbformat.v4.new_code_cell("raise ValueError('boom: the summary broke')")
    notebook.cells.insert(5, broken)  # after the summary cell: cell 6 of the notebook
    bad = tmp_path / "broken.ipynb"
    nbformat.write(notebook, bad)

    deck = Deck.read_json(previous / DECK_JSON_NAME)
    with pytest.raises(RenderError) as caught:
        render_report(deck, out, notebook=bad)
    message = str(caught.value)
    assert f"{bad} cell 6 (`raise ValueError('boom: the summary broke')`)" in message
    assert "raised ValueError: boom: the summary broke" in message
    assert caught.value.cell == 6
    assert f"the previous report in {previous} is unchanged" in message
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before
    assert [p.name for p in out.iterdir() if p.name != FAILED_DIR] == [previous.name]
    failed = out / FAILED_DIR / f"{previous.name}.ipynb"
    assert str(failed) in message and failed.is_file()


@pytest.mark.e2e
def test_secrets_in_the_environment_never_become_parameters(sample_report):
    executed = nbformat.read(sample_report / NOTEBOOK_NAME, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    names = re.findall(r"^(\w+) = ", injected[0].source, flags=re.M)
    assert sorted(names) == ["config_path", "deck_json", "output_dir", "week_ending"]


@pytest.mark.e2e
def test_synthetic_deck_renders_through_the_notebook(tmp_path):
    deck = make_deck()
    folder = render_report(deck, tmp_path)
    html = (folder / HTML_NAME).read_text()
    assert count_charts(html) == 4
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html


@pytest.mark.e2e
def test_explore_notebook_runs_on_the_sample(tmp_path):
    output = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(EXPLORE),
        str(output),
        parameters={"config_path": str(SAMPLE), "week_ending": "latest", "metric": None},
        kernel_name="wbr",
        cwd=str(tmp_path),
        progress_bar=False,
    )
    executed = nbformat.read(output, as_version=4)
    outputs = {c.id: c.outputs for c in executed.cells if c.cell_type == "code"}
    errors = [o for cell in outputs.values() for o in cell if o.get("output_type") == "error"]
    assert not errors
    # every view shows something a reader of the exported notebook can see (widget + fallback)
    for view in ("chart", "details", "weekly", "daily", "flags", "drivers"):
        shown = [
            o for o in outputs[view] if o.get("output_type") in {"display_data", "execute_result"}
        ]
        assert shown, f"the {view} cell shows nothing"
    fallback = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs["details"])
    assert "wbr-" in fallback, "the block's details are rendered as the deck's HTML"
    assert any("image/png" in o.get("data", {}) for o in outputs["chart"]), "static chart fallback"


def test_missing_kernel_is_a_clear_error():
    with pytest.raises(RenderError, match=r"kernel 'no-such-kernel' is not installed.*ipykernel"):
        check_kernel("no-such-kernel")


def test_dropped_charts_or_external_scripts_fail_the_report(tmp_path):
    page = tmp_path / HTML_NAME
    with pytest.raises(RenderError, match="expected 3 charts in the HTML, found 1"):
        _check_html('<div class="plotly-graph-div"></div>', 3, page)
    with pytest.raises(RenderError, match="external script"):
        _check_html('<script src="https://cdn.plot.ly/x.js"></script>', 0, page)


def test_a_new_report_replaces_the_old_folder_whole(tmp_path):
    old, new = tmp_path / "2026-11-21", tmp_path / ".2026-11-21.partial-x"
    old.mkdir()
    (old / "stale.txt").write_text("old")
    new.mkdir()
    (new / HTML_NAME).write_text("new")
    swap_into_place(new, old)
    assert [p.name for p in tmp_path.iterdir()] == [old.name]
    assert [p.name for p in old.iterdir()] == [HTML_NAME]
