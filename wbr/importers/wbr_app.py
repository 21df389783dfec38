"""WBR App deck config -> our wbr.yaml, with the derived data files it reads.

Owns `wbr import-wbr-app`: reading the WBR App's YAML (setup, metrics, deck), converting it to our
config, and writing three files side by side: `<out>.yaml`, `<out>.actuals.csv` (wide: one column
per App column or filter metric, keyed by the App's metric names, one row per day) and
`<out>.plan.csv` (wide, same ids) when the App has plans (`X__Target` columns or `line_style:
target` series). Reading the App's CSV is wbr/importers/wbr_app_data.py's job.

The derived actuals file exists because App metrics are not CSV columns: two metrics can read one
column, a `filter` metric is a slice of a long file, and a file with several rows per day is reduced
to one value per day by the metric's own `aggf`. Every `aggf` has an aggregation of ours with the
same name (`first` is the window's first day). Functions are evaluated as the App does, after
window aggregation: `divide` becomes our `ratio`, `sum`/`difference`/`product` become
`aggregation: derived` with the same operands, so no function is precomputed per day. What has no
equivalent is listed as not converted, never dropped silently.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wbr.engine.config import (
    WEEKDAYS,
    AliasError,
    parse_config,
    parse_yaml_document,
    read_config_text,
)
from wbr.errors import ConfigError
from wbr.fmt import visible
from wbr.importers.wbr_app_data import DAILY_REDUCERS, AppTable, write_wide

TARGET_SUFFIX = "__Target"
COMPARISON_SUFFIXES = ("YOY", "WOW", "MOM")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
FUNCTIONS = ("divide", "sum", "difference", "product")
SETUP_DONE = {"week_ending", "title", "fiscal_year_end_month"}
# The date column of the wide files the import writes: an App metric cannot have its name.
RESERVED_NAMES = {"date"}
SETUP_IGNORED = {
    "week_number": "our week numbers come from the calendar (the App's label arithmetic breaks "
    "in 53-week years)",
    "block_starting_number": "our blocks are numbered from 1 in deck order",
    "tooltip": "display option of the App's web page",
}


@dataclass(frozen=True)
class NotConverted:
    """One App setting, metric or block that has no equivalent in the written wbr.yaml."""

    key: str
    reason: str


@dataclass(frozen=True)
class ConversionResult:
    """What convert_wbr_app wrote, and what it could not convert (each with the App key and why)."""

    config_path: Path
    not_converted: tuple[NotConverted, ...]
    data_files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class _Metric:
    """One converted App metric: our config entry plus its daily actual (and plan) values."""

    spec: dict[str, Any]
    daily: pd.Series | None = None
    plan: pd.Series | None = None
    column: str | None = None


@dataclass
class _Block:
    """Where a metric is shown in the App deck: label, unit, section."""

    label: str | None = None
    unit: str | None = None
    section: str | None = None
    key: tuple | None = None  # the App deck key it comes from (for reporting it if dropped)


def convert_wbr_app(app_yaml: Path, data_csv: Path, out_yaml: Path) -> ConversionResult:
    """Convert a WBR App deck config and its CSV into our wbr.yaml plus derived CSVs beside it."""
    app_yaml, data_csv, out_yaml = Path(app_yaml), Path(data_csv), Path(out_yaml)
    outputs = output_paths(out_yaml)
    _check_outputs(outputs, {"the WBR App config": app_yaml, "the --data CSV": data_csv})
    app, lines = _load_app_yaml(app_yaml)
    converter = _Converter(app, lines, app_yaml, AppTable(data_csv))
    return converter.write(*outputs)


def output_paths(out_yaml: Path) -> tuple[Path, Path, Path]:
    """The files an import writes: <out>.yaml, <out>.actuals.csv and <out>.plan.csv."""
    stem = out_yaml.name.removesuffix(".yaml").removesuffix(".yml")
    return (
        out_yaml,
        out_yaml.with_name(f"{stem}.actuals.csv"),
        out_yaml.with_name(f"{stem}.plan.csv"),
    )


def _check_outputs(outputs: tuple[Path, ...], inputs: dict[str, Path]) -> None:
    """Refuse, before anything is read or written, outputs that would overwrite an input,
    that name a folder, or that lie under something that is not a folder."""
    out_yaml = outputs[0]
    for path in outputs:
        for what, source in inputs.items():
            if path.resolve() == source.resolve() or (
                path.exists() and source.exists() and path.samefile(source)
            ):
                raise ConfigError(
                    f"--out {out_yaml}: would overwrite {what} {source} (as {path.name}); "
                    "give another --out"
                )
        if path.is_dir():
            raise ConfigError(
                f"--out {out_yaml}: {path} is a folder; give a file name such as "
                f"{path / 'wbr.yaml'}"
            )
    parent = out_yaml.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise ConfigError(f"--out {out_yaml}: {parent} is a file, not a folder")


def _write_atomically(files: dict[Path, Any]) -> None:
    """Write every file as a partial file first, then rename them all into place."""
    partials = {path: path.with_name(f".{path.name}.partial") for path in files}
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                partials[path].write_text(content, encoding="utf-8")
            else:
                write_wide(partials[path], content)
        for path, partial in partials.items():
            partial.replace(path)
    except OSError as exc:
        for partial in partials.values():
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
        where = exc.filename or next(iter(files))
        raise ConfigError(
            f"{where}: cannot write the converted files ({exc.strerror or exc})"
        ) from None


def report_lines(result: ConversionResult) -> list[str]:
    """What `wbr import-wbr-app` prints: files written, then every item not converted."""
    lines = [f"wrote {result.config_path}"] + [f"wrote {path}" for path in result.data_files]
    if result.not_converted:
        lines.append(f"not converted ({len(result.not_converted)}):")
        lines += [f"  {item.key}: {item.reason}" for item in result.not_converted]
    else:
        lines.append("everything converted")
    return lines


def _load_app_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    """The App config as a dict, plus the line of every key for messages."""
    text = read_config_text(path, "WBR App config")
    try:
        root, raw = parse_yaml_document(text)
    except AliasError as exc:
        raise ConfigError(exc.message(str(path))) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected the WBR App sections setup, metrics and deck")
    for section in ("setup", "metrics"):
        if not isinstance(raw.get(section), dict):
            raise ConfigError(f"{path}: missing section '{section}' (a mapping)")
    return raw, _line_index(root)


def _line_index(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Map every key path of a YAML document to its 1-based line."""
    if node is None:
        return {}
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines.update(_line_index(value, (*path, key.value)))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, (*path, i)))
    return lines


def parse_week_ending(value: Any, where: str) -> dt.date:
    """The App's week_ending (25-SEP-2021, or an ISO date) as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d-%b-%Y", "%Y-%m-%d", "%d-%b-%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ConfigError(
        f"{where}: setup.week_ending: expected a date like 25-SEP-2021, got {value!r}"
    )


def fiscal_year_start_month(value: Any, where: str) -> int:
    """Our fiscal_year_start_month from the App's fiscal_year_end_month (DEC when blank)."""
    if value is None or str(value).strip() == "":
        return 1
    text = str(value).strip().upper()
    full_names = [calendar.month_name[m].upper() for m in range(1, 13)]
    if text.isdigit() and 1 <= int(text) <= 12:
        end = int(text)
    elif text in MONTHS:
        end = MONTHS.index(text) + 1
    elif text in full_names:
        end = full_names.index(text) + 1
    else:
        raise ConfigError(f"{where}: setup.fiscal_year_end_month: expected JAN..DEC, got {value!r}")
    return end % 12 + 1


def unit_from_scaling(y_scaling: Any) -> str | None:
    """Our display unit from the App's y_scaling: '%' and 'bps' formats are rates."""
    if not isinstance(y_scaling, str):
        return None
    text = y_scaling.strip().lower()
    if text.endswith("%") or text.endswith("bps"):
        return "percent"
    return "count"


class _Converter:
    """One conversion: reads the App config once, then writes our files."""

    def __init__(
        self, app: dict[str, Any], lines: dict[tuple, int], source: Path, table: AppTable
    ) -> None:
        self.app, self.lines, self.source, self.table = app, lines, source, table
        self.app_metrics: dict[str, Any] = app["metrics"]
        self.converted: dict[str, _Metric] = {}
        self.failed: dict[str, str] = {}
        self.not_converted: list[NotConverted] = []
        self.notes: list[str] = []
        self.plan_of: dict[str, str] = {}  # App target metric -> our metric it is the plan of
        self.plan_operands: dict[str, str] = {}  # target metric -> a function that reads it
        self.blocks: dict[str, _Block] = {}
        self.placeholders: set[str] = set()  # blocks a later 6-12 block of the metric replaces
        self.sections: list[str] = []

    def skip(self, key: tuple, reason: str) -> None:
        """Record an App key that has no equivalent, with its line."""
        line = self.lines.get(key)
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in key)
        where = where.lstrip(".") + (f" (line {line})" if line else "")
        self.not_converted.append(NotConverted(where, reason))

    def write(self, out_yaml: Path, actuals_path: Path, plan_path: Path) -> ConversionResult:
        """Convert everything and write the yaml and its data files."""
        setup = self.app["setup"]
        where = str(self.source)
        week_ending = parse_week_ending(setup.get("week_ending"), where)
        fiscal_start = fiscal_year_start_month(setup.get("fiscal_year_end_month"), where)
        self._setup_leftovers(setup)
        for key in self.app:
            if key not in ("setup", "metrics", "deck"):
                self.skip((key,), "only the CSV given with --data is read")
        self._read_deck()
        self._find_targets()
        for name in self.app_metrics:
            if not isinstance(name, str):
                self.skip(("metrics", str(name)), "a metric name must be text (quote it)")
            else:
                self._convert(name, ())
        self._attach_targets()
        for name, reason in self.failed.items():
            self.skip(("metrics", name), reason)
        if not self.converted:
            reasons = [f"  {key}: {reason}" for key, reason in list(self.failed.items())[:5]]
            raise ConfigError("\n".join([f"{where}: no App metric could be converted", *reasons]))
        if self.table.rows_per_day() > 1:
            self.notes.append(
                f"{self.table.path.name} has up to {self.table.rows_per_day()} rows "
                "per date: each metric's rows are reduced per day by its aggf"
            )

        data_files = [actuals_path]
        files: dict[Path, Any] = {actuals_path: {n: m.daily for n, m in self.converted.items()}}
        plans = {n: m.plan for n, m in self.converted.items() if m.plan is not None}
        if plans:
            files[plan_path] = plans
            data_files.append(plan_path)

        config = {
            "title": str(setup.get("title") or "WBR"),
            "week_ending": week_ending,
            "calendar": {
                "week_end_day": WEEKDAYS[week_ending.weekday()],
                "fiscal_year_start_month": fiscal_start,
            },
            "sources": {"actuals": {"path": actuals_path.name, "format": "wide"}},
        }
        if plans:
            config["sources"]["plan"] = {"path": plan_path.name, "format": "wide"}
        used_sections = [
            s
            for s in self.sections
            if any(self.blocks.get(n, _Block()).section == s for n in self.converted)
        ]
        if used_sections:
            config["sections"] = used_sections
        config["metrics"] = self._metric_specs()
        text = self._yaml_text(config)
        # Our own output must load: a ConfigError here is a converter bug, not a user error.
        parse_config(text, source=str(out_yaml), base_dir=out_yaml.parent)
        _write_atomically({**files, out_yaml: text})
        return ConversionResult(
            out_yaml, tuple(self.not_converted), tuple(data_files), tuple(self.notes)
        )

    def _setup_leftovers(self, setup: dict[str, Any]) -> None:
        for key in setup:
            if key in SETUP_DONE:
                continue
            if key == "x_axis_monthly_display":
                if setup[key] != "trailing_twelve_months":
                    self.skip(
                        ("setup", key),
                        "our 12-month part is always the trailing 12 complete months",
                    )
            elif key in SETUP_IGNORED:
                self.notes.append(f"setup.{key} not needed: {SETUP_IGNORED[key]}")
            else:
                self.skip(("setup", key), "unknown App setting")

    # -- deck -------------------------------------------------------------------------------

    def _read_deck(self) -> None:
        """Labels, units, sections and shown metrics from the App's blocks, in deck order."""
        section = None
        deck = self.app.get("deck") or []
        if not isinstance(deck, list):
            self.skip(("deck",), "expected a list of `- block:` entries")
            return
        for i, item in enumerate(deck):
            block = item.get("block") if isinstance(item, dict) else None
            if not isinstance(block, dict):
                self.skip(("deck", i), "expected a `block:` mapping")
                continue
            kind = block.get("ui_type")
            if kind == "section":
                title = str(block.get("title") or "").strip()
                if title:
                    section = title
                    if title not in self.sections:
                        self.sections.append(title)
            elif kind == "6_12Graph":
                self._read_graph(i, block, section)
            elif kind in ("6_WeeksTable", "12_MonthsTable"):
                self._read_table_block(i, block, section)
            else:
                self.skip(("deck", i, "block", "ui_type"), f"block type {kind!r} is not converted")

    def _read_graph(self, i: int, block: dict[str, Any], section: str | None) -> None:
        series = block.get("metrics") or {}
        if not isinstance(series, dict):
            self.skip(
                ("deck", i, "block", "metrics"),
                "expected a mapping of metric names to {line_style: ...}; block not converted",
            )
            return
        unit = unit_from_scaling(block.get("y_scaling"))
        if (
            block.get("x_axis_monthly_display", "trailing_twelve_months")
            != "trailing_twelve_months"
        ):
            self.skip(
                ("deck", i, "block", "x_axis_monthly_display"),
                "our 12-month part is always the trailing 12 complete months",
            )
        styles = {}
        for name, style in series.items():
            key = ("deck", i, "block", "metrics", str(name))
            if not isinstance(name, str):
                self.skip(key, "a metric name must be text (quote it)")
            elif style is not None and not isinstance(style, dict):
                self.skip(key, f"expected a mapping like {{line_style: primary}}, got {style!r}")
            else:
                styles[name] = style or {}
        lines = [n for n, s in styles.items() if s.get("line_style") != "target"]
        for name, style in styles.items():
            key = ("deck", i, "block", "metrics", name)
            if style.get("line_style") == "target":
                if lines:
                    self.plan_of.setdefault(name, lines[0])
                else:
                    self.skip(key, "a target line in a block without an actual line is not shown")
                continue
            if self._is_comparison(name):
                self._show_base_of(name, unit, section)
                self.skip(
                    key,
                    "growth series (YOY/WOW/MOM) are not blocks of their own: the "
                    "metric's block shows WoW and YoY in its box",
                )
                continue
            if name not in self.app_metrics:
                self.skip(key, "not defined under metrics:")
                continue
            if name in self.blocks and name not in self.placeholders:
                self.skip(
                    key,
                    f"{name} is already shown by {self._where(name)}: our deck shows "
                    "each metric in one block",
                )
                continue
            self.placeholders.discard(name)
            label = block.get("title") if len(lines) == 1 else style.get("legend_name")
            self.blocks[name] = _Block(str(label or name), unit, section, key)
            if len(lines) > 1 and name != lines[0]:
                self.notes.append(f"deck[{i}]: secondary line {name} becomes its own block")

    def _where(self, name: str) -> str:
        """'deck[3]': the App block a metric's block comes from."""
        key = self.blocks[name].key
        return f"deck[{key[1]}]" if key else "an earlier block"

    def _read_table_block(self, i: int, block: dict[str, Any], section: str | None) -> None:
        self.skip(
            ("deck", i, "block", "ui_type"),
            f"{block.get('ui_type')} layout is not "
            "converted: each metric in its rows gets a 6-12 block with the same numbers",
        )
        rows = block.get("rows") or []
        if not isinstance(rows, list):
            self.skip(("deck", i, "block", "rows"), "expected a list of `- row:` entries")
            return
        for j, item in enumerate(rows):
            row = item.get("row") if isinstance(item, dict) else None
            if not isinstance(row, dict):
                self.skip(("deck", i, "block", "rows", j), "expected a `row:` mapping")
                continue
            name = row.get("metric")
            if not name:
                continue
            if not isinstance(name, str):
                self.skip(("deck", i, "block", "rows", j), "row.metric must be a metric name")
                continue
            if name in self.blocks:
                continue
            if self._is_comparison(name):
                self._show_base_of(name, None, section)  # its block's box shows the growth
                continue
            if name in self.app_metrics:
                self.blocks[name] = _Block(
                    name,
                    unit_from_scaling(row.get("y_scaling")),
                    section,
                    ("deck", i, "block", "rows", j),
                )
                self.placeholders.add(name)

    def _show_base_of(self, name: str, unit: str | None, section: str | None) -> None:
        """A growth series is shown through its metric's block: make sure that block exists."""
        base = next(name.removesuffix(s) for s in COMPARISON_SUFFIXES if name.endswith(s))
        if base in self.app_metrics and base not in self.blocks:
            self.blocks[base] = _Block(base, None if unit == "percent" else unit, section)
            self.placeholders.add(base)

    def _is_comparison(self, name: str) -> bool:
        return name not in self.app_metrics and any(
            name.endswith(suffix) and name[: -len(suffix)] in self.app_metrics
            for suffix in COMPARISON_SUFFIXES
        )

    # -- metrics ----------------------------------------------------------------------------

    def _find_targets(self) -> None:
        """App metrics on an `X__Target` column become the plan of the metrics on column X."""
        columns = {}
        for name, spec in self.app_metrics.items():
            reference = spec.get("column") if isinstance(spec, dict) else None
            try:
                columns[name] = self._column(str(reference)) if reference else None
            except ValueError:
                columns[name] = None
        for name, column in columns.items():
            if not column or not column.endswith(TARGET_SUFFIX):
                continue
            base = column.removesuffix(TARGET_SUFFIX)
            owners = [n for n, c in columns.items() if c == base]
            if owners and name not in self.plan_of:
                self.plan_of[name] = owners[0]

    def _convert(self, name: str, chain: tuple[str, ...]) -> _Metric | None:
        """Convert one App metric (and, first, the metrics it is computed from)."""
        if name in self.converted:
            return self.converted[name]
        if name in self.failed:
            return None
        if name in chain:
            self.failed[name] = f"circular definition {' -> '.join((*chain, name))}"
            return None
        if name not in self.app_metrics:
            self.failed[name] = "not defined under metrics:"
            return None
        if name.strip().lower() in RESERVED_NAMES:
            self.failed[name] = f"{name!r} is a column name of our data files; rename the metric"
            return None
        spec = self.app_metrics.get(name)
        if not isinstance(spec, dict):
            self.failed[name] = "expected a mapping with column, filter or function"
            return None
        try:
            metric = self._convert_spec(name, spec, (*chain, name))
        except ValueError as exc:
            self.failed[name] = str(exc)
            return None
        for key in spec:
            if key not in ("column", "filter", "function", "aggf", "metric_comparison_method"):
                self.skip(
                    ("metrics", name, key),
                    "not an App metric setting we convert "
                    "(the App itself ignores box_total_scaling)",
                )
        method = spec.get("metric_comparison_method")
        metric.spec["comparison"] = "bps" if method == "bps" else "pct"
        self.converted[name] = metric
        return metric

    def _convert_spec(self, name: str, spec: dict[str, Any], chain: tuple[str, ...]) -> _Metric:
        if "function" in spec:
            return self._convert_function(name, spec["function"], chain)
        aggregation = self._aggregation(spec)
        if "column" in spec:
            column = self._column(str(spec["column"]))
            daily = self.table.daily(column, aggregation)
            return _Metric({"aggregation": aggregation}, daily, column=column)
        if "filter" in spec:
            selector = spec["filter"]
            if not isinstance(selector, dict):
                raise ValueError(
                    f"filter: expected a mapping with base_column and query, got {selector!r}"
                )
            column = self._column(str(selector.get("base_column")))
            rows = self.table.rows_where(str(selector.get("query", "")))
            daily = self.table.daily(column, aggregation, rows)
            self.notes.append(
                f"{name}: filter rows keep their own dates (the App pairs filtered "
                "values with dates by row position)"
            )
            return _Metric({"aggregation": aggregation}, daily)
        raise ValueError("no column, filter or function")

    def _column(self, reference: str) -> str:
        """The CSV column an App metric reads; `query.column` (the App's database route) is
        accepted when `query` is one of the config's data_sources queries."""
        if self.table.has(reference):
            return reference
        prefix, _, column = reference.partition(".")
        sources = self.app.get("data_sources")
        queries = {
            query
            for source in (sources.values() if isinstance(sources, dict) else ())
            if isinstance(source, dict)
            for query in source
        }
        if prefix in queries and self.table.has(column):
            note = f"columns named {prefix}.<column> (database query {prefix}) read from the CSV"
            if note not in self.notes:
                self.notes.append(note)
            return column
        raise ValueError(f"column {reference!r} is not in {self.table.path.name}")

    def _aggregation(self, spec: dict[str, Any]) -> str:
        aggf = spec.get("aggf")
        if isinstance(aggf, str) and aggf in DAILY_REDUCERS:
            return str(aggf)
        raise ValueError(f"aggf {aggf!r} is not converted (ours: {', '.join(DAILY_REDUCERS)})")

    def _convert_function(self, name: str, function: Any, chain: tuple[str, ...]) -> _Metric:
        """divide -> ratio; sum, difference, product -> derived: both combine window values."""
        if not isinstance(function, dict) or len(function) != 1:
            raise ValueError("a function needs exactly one of divide, sum, difference, product")
        op, operands = next(iter(function.items()))
        if op not in FUNCTIONS:
            raise ValueError(f"function {op!r} is not one of {', '.join(FUNCTIONS)}")
        if not isinstance(operands, list):
            raise ValueError(f"{op}: expected a list of operands, got {operands!r}")
        names = []
        for operand in operands:
            ref = operand.get("metric") if isinstance(operand, dict) else None
            if not isinstance(ref, dict) or "name" not in ref or "function" in ref:
                raise ValueError("function operands are converted only as `metric: {name: ...}`")
            names.append(str(ref["name"]))
        undefined = [n for n in names if n not in self.app_metrics]
        if undefined:
            raise ValueError(f"operand {', '.join(undefined)} is not defined under metrics:")
        if op in ("divide", "difference") and len(names) != 2:
            raise ValueError(f"{op} needs exactly two operands, got {len(names)}")
        if len(names) < 2:
            raise ValueError(f"{op} needs at least two operands, got {len(names)}")
        metrics = [self._convert(operand, chain) for operand in names]
        missing = [n for n, m in zip(names, metrics, strict=True) if m is None]
        if missing:
            raise ValueError(f"operand {', '.join(missing)} is not converted")
        for operand in names:
            if operand in self.plan_of:
                self.plan_operands.setdefault(operand, name)
        if op == "divide":
            return _Metric({"aggregation": "ratio", "numerator": names[0], "denominator": names[1]})
        return _Metric({"aggregation": "derived", "formula": {"op": op, "operands": names}})

    def _attach_targets(self) -> None:
        """Move target metrics into the plan of their actual; a misfit stays a metric.

        A target that a function also reads (e.g. the App's variance to plan) stays a hidden
        metric too, cut at the last day of actuals so that it does not extend them.
        """
        actual_days = [
            metric.daily.dropna().index.max()
            for name, metric in self.converted.items()
            if name not in self.plan_of and metric.daily is not None and metric.daily.notna().any()
        ]
        last_actual = max(actual_days, default=None)
        for target, actual in self.plan_of.items():
            source, owner = self.converted.get(target), self.converted.get(actual)
            if source is None or owner is None or source.daily is None:
                continue
            if owner.daily is None:
                self.notes.append(f"{target}: kept as a metric ({actual} is computed, not read)")
                continue
            if source.spec["aggregation"] != owner.spec["aggregation"]:
                self.notes.append(f"{target}: kept as a metric (aggregated unlike {actual})")
                continue
            owner.plan = source.daily
            dropped = self.blocks.pop(target, None)
            if dropped is not None:
                self.skip(
                    dropped.key or ("metrics", target),
                    f"{target} became the plan line of {actual}'s block, not a block of its own",
                )
            if target in self.plan_operands:
                if last_actual is not None:
                    source.daily = source.daily[source.daily.index <= last_actual]
                self.notes.append(
                    f"{target}: became the plan of {actual}, and stays a hidden metric "
                    f"because {self.plan_operands[target]} is computed from it"
                )
            else:
                del self.converted[target]
                self.notes.append(f"{target}: became the plan of {actual}")
        for name, metric in self.converted.items():
            if (
                metric.column
                and self.table.has(metric.column + TARGET_SUFFIX)
                and metric.plan is None
            ):
                metric.plan = self.table.daily(
                    metric.column + TARGET_SUFFIX, metric.spec["aggregation"]
                )
                self.notes.append(f"{name}: plan from column {metric.column + TARGET_SUFFIX}")

    def _metric_specs(self) -> dict[str, dict[str, Any]]:
        """Our metrics: shown ones in deck order, then the ones only used by others."""
        ordered = [n for n in self.blocks if n in self.converted]
        ordered += [n for n in self.converted if n not in self.blocks]
        specs = {}
        for name in ordered:
            metric, block = self.converted[name], self.blocks.get(name)
            spec = {"label": block.label if block else name, **metric.spec}
            unit = block.unit if block and block.unit else None
            if unit:
                spec["unit"] = unit
            spec["comparison"] = spec.pop("comparison")  # after unit: reads as "unit, compared by"
            if block and block.section:
                spec["section"] = block.section
            spec["show"] = block is not None
            specs[name] = spec
        return specs

    def _yaml_text(self, config: dict[str, Any]) -> str:
        # App keys, names and values reach the header comments: visible() shows every line
        # break as an escape, so no input can end a comment line and become a live key.
        name = visible(self.source.name)
        header = [f"# Converted from the WBR App config {name} by wbr import-wbr-app."]
        if self.not_converted:
            header.append("# Not converted (see the import report):")
            header += [
                f"#   {visible(item.key)}: {visible(item.reason)}" for item in self.not_converted
            ]
        body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)
        return "\n".join(header) + "\n" + body
