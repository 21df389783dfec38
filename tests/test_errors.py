"""Errors carry their problems as fields (path, line, column, message); str() is the CLI's text."""

from __future__ import annotations

import os

import pytest

from tests.conftest import write_business
from wbr.engine.config import load_config, parse_config
from wbr.engine.sources import MAX_PROBLEMS_SHOWN, load_data
from wbr.errors import ConfigError, DataError, Problem, RenderError, WbrError

WIDE = """\
title: T
sources:
  actuals: {path: metrics.csv, format: wide}
metrics:
  Orders: {}
"""


def _load_csv(tmp_path, csv: str):
    return load_data(load_config(write_business(tmp_path, WIDE, {"metrics.csv": csv})))


def test_a_bad_cell_is_a_problem_with_its_file_line_and_column(tmp_path):
    with pytest.raises(DataError) as caught:
        _load_csv(tmp_path, "date,Orders\n2026-11-01,12\n2026-11-02,lots\n")
    [problem] = caught.value.problems
    assert problem.path == os.path.relpath(tmp_path / "metrics.csv")
    assert (problem.line, problem.column) == (3, "Orders")
    assert problem.message == "'lots' is not a number"
    assert str(caught.value) == str(problem)  # the CLI's one line, unchanged


def test_every_problem_is_a_field_even_beyond_those_the_message_shows(tmp_path):
    rows = "".join(f"2026-10-{day:02d},bad\n" for day in range(1, MAX_PROBLEMS_SHOWN + 6))
    with pytest.raises(DataError) as caught:
        _load_csv(tmp_path, "date,Orders\n" + rows)
    error = caught.value
    assert [p.line for p in error.problems] == list(range(2, MAX_PROBLEMS_SHOWN + 7))
    lines = str(error).splitlines()
    assert lines[:-1] == [str(p) for p in error.problems[:MAX_PROBLEMS_SHOWN]]
    assert lines[-1] == "... and 5 more problems"


def test_config_problems_carry_the_line_of_each_key():
    text = "title: T\nsources:\n  actuals: {path: m.csv}\nmetrics:\n  a: {colour: red}\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="wbr.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line, problem.column) == ("wbr.yaml", 5, None)
    assert problem.message == "unknown key 'metrics.a.colour'"
    assert str(caught.value) == "wbr.yaml:5: unknown key 'metrics.a.colour'"


def test_invalid_yaml_keeps_the_parser_error_as_the_cause():
    with pytest.raises(ConfigError) as caught:
        parse_config("title: [unclosed\n", source="wbr.yaml")
    assert caught.value.problems[0].message.startswith("not valid YAML")
    assert caught.value.__cause__ is not None  # `wbr --verbose` shows the parser's traceback


def test_a_plain_message_still_makes_an_error_without_problems():
    error = WbrError("smtp.example.com:587: connection refused")
    assert str(error) == "smtp.example.com:587: connection refused"
    assert error.problems == ()


def test_problem_text_names_only_what_is_known():
    assert str(Problem("a.csv", 4, "value", "empty")) == "a.csv:4: column 'value': empty"
    assert str(Problem("wbr.yaml", None, None, "no metrics")) == "wbr.yaml: no metrics"
    assert str(Problem(None, None, None, "no data")) == "no data"


def test_a_render_error_carries_the_failing_cells_position():
    error = RenderError("deck.ipynb cell 6 raised ValueError", cell=6)
    assert (error.cell, str(error)) == (6, "deck.ipynb cell 6 raised ValueError")
    assert RenderError("the kernel died").cell is None


def test_an_app_config_that_is_not_yaml_is_a_problem_with_its_line(tmp_path):
    from wbr.importers.wbr_app import convert_wbr_app

    app_yaml, app_csv = tmp_path / "app.yaml", tmp_path / "app.csv"
    app_yaml.write_text("setup:\n  title: [unclosed\nmetrics: {}\n", encoding="utf-8")
    app_csv.write_text("Date,orders\n2020-01-05,1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == (str(app_yaml), 3)
    assert problem.message.startswith("not valid YAML")
    assert str(caught.value) == str(problem)
    assert caught.value.__cause__ is not None
