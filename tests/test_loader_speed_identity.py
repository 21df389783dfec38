"""read_table's fast read of a wide file (one NA list for every column, the whole file typed at
once, the text columns read again alone when needed) gives the frame the per-column read gave,
and the loader's messages are unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import write_business
from wbr.engine import csv_table, yaml_reader
from wbr.engine.config import load_config
from wbr.engine.csv_table import NA_TOKENS, read_table
from wbr.engine.sources import load_data
from wbr.errors import DataError

WIDE = """\
title: T
sources:
  actuals: {path: metrics.csv, format: wide}
metrics:
  a: {}
  b: {}
"""


def _per_column_read(path, text_columns):
    """read_table as it read every file before the fast read: NA_TOKENS per number column, the
    file read again with the text columns asked as text when one was inferred otherwise."""
    original = csv_table._read_flat
    csv_table._read_flat = lambda *args: None
    try:
        return read_table(path, text_columns)
    finally:
        csv_table._read_flat = original


def _assert_same_frame(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert fast.columns.tolist() == slow.columns.tolist()
    assert fast.dtypes.tolist() == slow.dtypes.tolist()
    assert fast.index.equals(slow.index)
    assert fast.attrs == slow.attrs
    for j in range(fast.shape[1]):
        x, y = fast.iloc[:, j], slow.iloc[:, j]
        if pd.api.types.is_numeric_dtype(x.dtype):
            assert np.array_equal(x.to_numpy(), y.to_numpy(), equal_nan=True)
        else:
            assert [None if v is np.nan else v for v in x] == [
                None if v is np.nan else v for v in y
            ]


CASES = {
    "plain": "date,region,a,b\n2024-01-01,north,1,2\n2024-01-02,south,3,4\n",
    "every NA token in a number column": "date,region,a\n"
    + "".join(f"2024-01-{i + 1:02d},north,{token}\n" for i, token in enumerate(NA_TOKENS)),
    "text cells spelled like NA": "date,region,a\n2024-01-01,NA,1\n2024-01-02,null,2\n"
    "2024-01-03,None,3\n2024-01-04,,4\n",
    "a date spelled NA": "date,region,a\n2024-01-01,north,1\nNA,north,2\nnull,north,3\n",
    "blank lines and a blank date": "date,region,a\n2024-01-01,north,1\n\n,north,2\n\n",
    "numeric dates": "date,region,a\n20240101,1,1\n20240102,2,NA\n",
    "every date NA": "date,region,a\nNA,north,1\nnan,north,2\n",
    "ints, floats and signed zero": "date,region,a,b\n2024-01-01,n,1,-0\n2024-01-02,n,2,0.1\n",
    "text in a number column": "date,region,a\n2024-01-01,n,12%\n2024-01-02,n,NA\n",
    "a value too large": "date,region,a\n2024-01-01,n,1e19\n2024-01-02,n,1e400\n",
    "booleans": "date,region,a\n2024-01-01,n,True\n2024-01-02,n,False\n",
    "header read otherwise by pandas": "date, a, b\n2024-01-01,NA,1\n",
    "trailing empty fields": "date,region,a\n2024-01-01,n,1,,\n2024-01-02,n,2\n",
    "a trailing comma": "date,region,a\n2024-01-01,n,1,\n2024-01-02,n,2,\n",
    "text in a number column and a blank date": "date,region,a\n,n,12%\n2024-01-02,n,3\n",
    "quoted cells": 'date,region,a\n2024-01-01,"n, s","1,234"\n2024-01-02,n,"2"\n',
}


@pytest.fixture(params=["4 MB", "16 bytes"])
def scan_blocks(request, monkeypatch) -> None:
    """The file scanned in blocks of 4 MB (a small file: its quote seen before any read) or of
    16 bytes (a quote or extra field after the first block: seen by the scanning thread while
    the flat read runs, which is then thrown away)."""
    if request.param == "16 bytes":
        monkeypatch.setattr(csv_table, "SCAN_BLOCK_BYTES", 16)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("text_columns", [{"date"}, {"date", "region"}])
def test_the_fast_read_gives_the_per_column_frame(tmp_path, name, text_columns, scan_blocks):
    path = tmp_path / "metrics.csv"
    path.write_text(CASES[name])
    _assert_same_frame(read_table(path, text_columns), _per_column_read(path, text_columns))


def test_a_scan_that_cannot_read_the_file_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"
    path.write_text(CASES["plain"])

    def unreadable(*_):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(csv_table, "_fields_at_most", unreadable)
    with pytest.raises(DataError, match="cannot read: Permission denied"):
        read_table(path, {"date"})


def test_a_flat_read_that_fails_on_a_file_the_scan_refuses_is_thrown_away(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"
    path.write_text(CASES["quoted cells"])
    monkeypatch.setattr(csv_table, "SCAN_BLOCK_BYTES", 16)

    def failing(*_):
        raise pd.errors.ParserError("the flat read's own error")

    monkeypatch.setattr(csv_table, "_read_flat", failing)
    frame = read_table(path, {"date", "region"})
    assert frame["region"].tolist() == ["n, s", "n"]


def test_text_cells_keep_their_spelling(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text(CASES["text cells spelled like NA"])
    frame = read_table(path, {"date", "region"})
    assert frame["region"].tolist() == ["NA", "null", "None", ""]
    assert frame["a"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_the_fast_read_is_taken_for_numbers_and_chunked_for_text_in_number_columns(tmp_path):
    path = tmp_path / "metrics.csv"
    names = ["date", "region", "a"]
    path.write_text(CASES["every NA token in a number column"])
    assert csv_table._read_flat(path, names, ["date", "region"]) is not None
    path.write_text(CASES["text in a number column"])  # read chunk by chunk, as pandas does
    assert csv_table._read_flat(path, names, ["date", "region"]) is not None
    path.write_text(CASES["text in a number column and a blank date"])
    assert csv_table._read_flat(path, names, ["date", "region"]) is None


@pytest.mark.parametrize("extra", ["none", "NA", "x"])
def test_an_extra_field_is_reported_though_it_reads_as_missing(tmp_path, extra, scan_blocks):
    # With NA_TOKENS for every column pandas would drop an extra "none" without its warning.
    path = tmp_path / "metrics.csv"
    path.write_text(f"date,a\n2024-01-01,1,{extra}\n2024-01-02,2\n")
    assert not csv_table._fields_at_most(path, 2)
    with pytest.raises(
        DataError, match=f"3 fields but the header names 2 columns .extra: '{extra}'"
    ):
        read_table(path, {"date"})


def test_a_wide_date_spelled_na_is_reported_as_written(tmp_path):
    csv = "date,a,b\n2024-01-01,1,2\nNA,3,4\n2024-01-03,,NULL\n"
    with pytest.raises(DataError) as caught:
        load_data(load_config(write_business(tmp_path, WIDE, {"metrics.csv": csv})))
    assert "'NA' is not a date in this file's format YYYY-MM-DD" in str(caught.value)
    assert ":3:" in str(caught.value) or "line 3" in str(caught.value)


def test_a_wide_blank_date_is_an_empty_date(tmp_path):
    csv = "date,a,b\n2024-01-01,1,2\n,3,4\n"
    with pytest.raises(DataError, match="empty date"):
        load_data(load_config(write_business(tmp_path, WIDE, {"metrics.csv": csv})))


def test_a_wide_file_with_every_na_token_loads_as_missing_days(tmp_path):
    rows = "".join(f"2024-01-{i + 1:02d},{token},1\n" for i, token in enumerate(NA_TOKENS))
    data = load_data(
        load_config(write_business(tmp_path, WIDE, {"metrics.csv": "date,a,b\n" + rows}))
    )
    assert data.actuals["a"].isna().all()
    assert data.actuals["b"].tolist() == [1.0] * len(NA_TOKENS)


YAML_DOCS = [
    "title: T\nmetrics:\n  a: {}\n  b: {unit: percent}\nsections: [x, y]\n",
    "a: {b: {yes: 1}, c: {no: 2}}\n",
    "metrics:\n  yes: {}\n  1: {}\n  '2': {}\n",
    "title: T\ntitle: U\nm: {a: 1, a: 2}\n",
    "l:\n  - {a: 1}\n  - [1, {b: 2}]\n  -\n    c: 3\n",
    "title: T\n<<: {x: 1}\n",
    "title: T\n=: 1\n",
    "x: !!str 1\n1: 2\n2026-01-01: x\n~: y\n",
]


@pytest.mark.parametrize("text", YAML_DOCS)
def test_the_one_walk_finds_what_the_four_walks_find(text):
    root, _, walk = yaml_reader.parse_yaml_keys(text)
    if "<<" in text or "=:" in text:
        assert walk is None  # construction rewrote those keys: the walks run after it
        return
    assert walk is not None
    assert walk.twice == bool(yaml_reader.duplicate_keys(root, "s"))
    assert walk.not_text == bool(yaml_reader.keys_not_text(root, "s"))
    if not walk.twice:
        assert walk.lines == yaml_reader.line_index(root)


def _refuse_aliases(root: yaml.Node) -> None:
    """The walk that refused aliases before the one walk (yaml_reader before 42ab2f2): the
    oracle the one walk's AliasError is held to."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, root.start_mark.line + 1)]
    while stack:
        node, line = stack.pop()
        if id(node) in seen:
            raise yaml_reader.AliasError(line, node.start_mark.line + 1)
        seen.add(id(node))
        children: list[tuple[yaml.Node, int]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                children += [(key_node, line), (value_node, line)]
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, node.start_mark.line + 1) for item in node.value]
        stack += reversed(children)


@pytest.mark.parametrize(
    ("text", "line", "anchor_line"),
    [
        ("a: &x [1]\nb: *x\n", 2, 1),
        ("a: &x {b: 1}\nc:\n  - 1\n  - *x\n", 3, 1),
        ("a: &a {b: &b [1, 2]}\nc: [*b]\n", 2, 1),
        ("? &k x\n: 1\ny: *k\n", 3, 1),
    ],
)
def test_the_one_walk_refuses_aliases_where_the_alias_walk_did(text, line, anchor_line):
    root = yaml.SafeLoader(text).get_single_node()
    with pytest.raises(yaml_reader.AliasError) as old:
        _refuse_aliases(root)
    with pytest.raises(yaml_reader.AliasError) as new:
        yaml_reader.parse_yaml_keys(text)
    assert (new.value.line, new.value.anchor_line) == (old.value.line, old.value.anchor_line)
    assert (new.value.line, new.value.anchor_line) == (line, anchor_line)


BUILT_DOCS = [
    *YAML_DOCS,
    "a: 2026-01-01\nb: 2026-01-01 10:00:00\nc: 2026-01-01T10:00:00Z\n",
    "a: .inf\nb: -.inf\nd: 1_000\ne: 0x1F\nf: 0o17\ng: 017\nh: 1:30\ni: +12\nj: 1e3\nk: -0.0\n",
    "a: !!binary aGVsbG8=\nb: !!set {x, y}\nc: !!omap [{x: 1}]\n",
    "a: !!str 1\nb: !!int '2'\nc: !!float '3'\nd: !!map {b: 1}\ne: !!seq [1]\n",
    "1: a\ntrue: b\n1.0: c\nyes: 1\n~: 3\nnull: 4\n",
    "- [a, {b: [c, {d: e}]}]\n- {}\n- []\n- \n",
    "a: {b: 1, b: 2, c: 3}\nd: |\n  x\n  y\n'e': ''\n",
    "hello\n",
]


@pytest.mark.parametrize("text", BUILT_DOCS)
def test_the_one_walk_builds_the_data_construct_document_builds(text):
    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    expected = loader.construct_document(loader.get_single_node())
    _, data, _ = yaml_reader.parse_yaml_keys(text)
    assert repr(data) == repr(expected)
    assert data == expected


@pytest.mark.parametrize("text", ["a: 2026-13-45\n", "a: !!int x\n", "a: !local x\n"])
def test_a_scalar_the_walk_cannot_build_raises_as_construct_document_does(text):
    loader = yaml.SafeLoader(text)
    with pytest.raises(Exception) as old:
        loader.construct_document(loader.get_single_node())
    with pytest.raises(Exception) as new:
        yaml_reader.parse_yaml_keys(text)
    assert (type(new.value), str(new.value)) == (type(old.value), str(old.value))


def _fields_at_most_line_by_line(path, width):
    with open(path, "rb") as handle:
        return all(b'"' not in line and line.count(b",") < width for line in handle)


@pytest.mark.parametrize("block", [5, 64, 1 << 22])
@pytest.mark.parametrize("one_by_one", [0, 4096])
def test_the_field_scan_counts_every_line_across_blocks(tmp_path, monkeypatch, block, one_by_one):
    monkeypatch.setattr(csv_table, "SCAN_BLOCK_BYTES", block)
    monkeypatch.setattr(csv_table, "SCAN_LINES_ONE_BY_ONE", one_by_one)
    rows = ["a,b,c", "1,2,3", "", "4,,6", "7,8", "9,10,11"]
    path = tmp_path / "t.csv"
    for extra, end in [("", "\n"), ("", ""), (",", "\n"), (",x", ""), ('"', "\n")]:
        for at in range(1, len(rows)):
            lines = [*rows[:at], rows[at] + extra, *rows[at + 1 :]]
            path.write_text("\n".join(lines) + end)
            for width in (2, 3, 4):
                assert csv_table._fields_at_most(path, width) == _fields_at_most_line_by_line(
                    path, width
                )
