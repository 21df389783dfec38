"""App metrics as our metric specs: column, filter and function metrics with their `aggf`,
reduced to daily values, and `__Target` metrics or target lines that become plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from wbr.importers.wbr_app_config import ImportReport
from wbr.importers.wbr_app_data import DAILY_REDUCERS, AppTable
from wbr.importers.wbr_app_deck import DeckReader

TARGET_SUFFIX = "__Target"
FUNCTIONS = ("divide", "sum", "difference", "product")
# The date column of the wide files the import writes: an App metric cannot have its name.
RESERVED_NAMES = {"date"}


@dataclass
class Metric:
    """One converted App metric: our config entry plus its daily actual (and plan) values."""

    spec: dict[str, Any]
    daily: pd.Series | None = None
    plan: pd.Series | None = None
    column: str | None = None


class MetricConverter:
    """Converts App metrics one by one (operands first); failures are kept with their reason."""

    def __init__(
        self, app: dict[str, Any], table: AppTable, report: ImportReport, deck: DeckReader
    ) -> None:
        self.app, self.table, self.report, self.deck = app, table, report, deck
        self.app_metrics: dict[str, Any] = app["metrics"]
        self.converted: dict[str, Metric] = {}
        self.failed: dict[str, str] = {}
        self.plan_operands: dict[str, str] = {}  # target metric -> a function that reads it

    def find_targets(self) -> None:
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
            if owners and name not in self.deck.plan_of:
                self.deck.plan_of[name] = owners[0]

    def operand_names(self, name: str) -> list[str]:
        """The App metrics a function metric reads, as far as its shape shows them (none for a
        column or filter metric; a malformed function is reported by convert())."""
        spec = self.app_metrics.get(name)
        function = spec.get("function") if isinstance(spec, dict) else None
        if not isinstance(function, dict) or len(function) != 1:
            return []
        operands = next(iter(function.values()))
        if not isinstance(operands, list):
            return []
        refs = [
            operand.get("metric") if isinstance(operand, dict) else None for operand in operands
        ]
        return [str(ref["name"]) for ref in refs if isinstance(ref, dict) and "name" in ref]

    def convert_all(self, names: Iterable[str]) -> None:
        """Convert every named metric, operands first.

        One iterative walk orders them, so convert() finds every operand converted already and
        a chain of thousands of functions needs no deep recursion; each metric on a cycle is
        reported as a circular definition.
        """
        done: set[str] = set()
        for root in names:
            if root in done:
                continue
            path, on_path = [root], {root}
            pending = [iter(self.operand_names(root))]
            while pending:
                operand = next(pending[-1], None)
                if operand is None:
                    finished = path.pop()
                    pending.pop()
                    on_path.discard(finished)
                    done.add(finished)
                    self.convert(finished, ())
                elif operand in on_path:
                    cycle = [*path[path.index(operand) :], operand]
                    for member in cycle[:-1]:
                        self.failed.setdefault(member, f"circular definition {' -> '.join(cycle)}")
                elif operand not in done and operand in self.app_metrics:
                    path.append(operand)
                    on_path.add(operand)
                    pending.append(iter(self.operand_names(operand)))

    def convert(self, name: str, chain: tuple[str, ...]) -> Metric | None:
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
                self.report.skip(
                    ("metrics", name, key),
                    "not an App metric setting we convert "
                    "(the App itself ignores box_total_scaling)",
                )
        method = spec.get("metric_comparison_method")
        metric.spec["comparison"] = "bps" if method == "bps" else "pct"
        self.converted[name] = metric
        return metric

    def _convert_spec(self, name: str, spec: dict[str, Any], chain: tuple[str, ...]) -> Metric:
        if "function" in spec:
            return self._convert_function(name, spec["function"], chain)
        aggregation = self._aggregation(spec)
        if "column" in spec:
            column = self._column(str(spec["column"]))
            daily = self.table.daily(column, aggregation)
            return Metric({"aggregation": aggregation}, daily, column=column)
        if "filter" in spec:
            selector = spec["filter"]
            if not isinstance(selector, dict):
                raise ValueError(
                    f"filter: expected a mapping with base_column and query, got {selector!r}"
                )
            column = self._column(str(selector.get("base_column")))
            rows = self.table.rows_where(str(selector.get("query", "")))
            daily = self.table.daily(column, aggregation, rows)
            self.report.notes.append(
                f"{name}: filter rows keep their own dates (the App pairs filtered "
                "values with dates by row position)"
            )
            return Metric({"aggregation": aggregation}, daily)
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
            if note not in self.report.notes:
                self.report.notes.append(note)
            return column
        raise ValueError(f"column {reference!r} is not in {self.table.path.name}")

    def _aggregation(self, spec: dict[str, Any]) -> str:
        aggf = spec.get("aggf")
        if isinstance(aggf, str) and aggf in DAILY_REDUCERS:
            return str(aggf)
        raise ValueError(f"aggf {aggf!r} is not converted (ours: {', '.join(DAILY_REDUCERS)})")

    def _convert_function(self, name: str, function: Any, chain: tuple[str, ...]) -> Metric:
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
        metrics = [self.convert(operand, chain) for operand in names]
        missing = [n for n, m in zip(names, metrics, strict=True) if m is None]
        if missing:
            raise ValueError(f"operand {', '.join(missing)} is not converted")
        for operand in names:
            if operand in self.deck.plan_of:
                self.plan_operands.setdefault(operand, name)
        if op == "divide":
            return Metric({"aggregation": "ratio", "numerator": names[0], "denominator": names[1]})
        return Metric({"aggregation": "derived", "formula": {"op": op, "operands": names}})

    def attach_targets(self) -> None:
        """Move target metrics into the plan of their actual; a misfit stays a metric.

        A target that a function also reads (e.g. the App's variance to plan) stays a hidden
        metric too, cut at the last day of actuals so that it does not extend them.
        """
        actual_days = [
            metric.daily.dropna().index.max()
            for name, metric in self.converted.items()
            if name not in self.deck.plan_of
            and metric.daily is not None
            and metric.daily.notna().any()
        ]
        last_actual = max(actual_days, default=None)
        for target, actual in self.deck.plan_of.items():
            source, owner = self.converted.get(target), self.converted.get(actual)
            if source is None or owner is None or source.daily is None:
                continue
            if owner.daily is None:
                self.report.notes.append(
                    f"{target}: kept as a metric ({actual} is computed, not read)"
                )
                continue
            if source.spec["aggregation"] != owner.spec["aggregation"]:
                self.report.notes.append(f"{target}: kept as a metric (aggregated unlike {actual})")
                continue
            owner.plan = source.daily
            dropped = self.deck.blocks.pop(target, None)
            if dropped is not None:
                self.report.skip(
                    dropped.key or ("metrics", target),
                    f"{target} became the plan line of {actual}'s block, not a block of its own",
                )
            if target in self.plan_operands:
                if last_actual is not None:
                    source.daily = source.daily[source.daily.index <= last_actual]
                self.report.notes.append(
                    f"{target}: became the plan of {actual}, and stays a hidden metric "
                    f"because {self.plan_operands[target]} is computed from it"
                )
            else:
                del self.converted[target]
                self.report.notes.append(f"{target}: became the plan of {actual}")
        for name, metric in self.converted.items():
            if (
                metric.column
                and self.table.has(metric.column + TARGET_SUFFIX)
                and metric.plan is None
            ):
                metric.plan = self.table.daily(
                    metric.column + TARGET_SUFFIX, metric.spec["aggregation"]
                )
                self.report.notes.append(
                    f"{name}: plan from column {metric.column + TARGET_SUFFIX}"
                )
