"""Checks of a validated Config across keys (metric references, cycles, baseline starts), the
pydantic errors worded with their key and line, and the order metrics are evaluated in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from wbr.engine.config_schema import XMR_MIN_WEEKS, Config
from wbr.engine.yaml_reader import line_of
from wbr.errors import Problem

__all__ = [
    "baseline_start_problems",
    "check_references",
    "dependency_order",
    "describe_error",
    "evaluation_order",
]


def baseline_start_problems(config: Config, week_ending: dt.date) -> list[str]:
    """`xmr_baseline_start` settings that leave too few weeks for an XmR chart by the deck's
    week ending (the flags would be silently off), each naming its key and the latest date."""
    latest = week_ending - dt.timedelta(weeks=XMR_MIN_WEEKS - 1)
    given = [("flags", config.flags)]
    given += [
        (f"metrics.{m}.flags", spec.flags) for m, spec in config.metrics.items() if spec.flags
    ]
    problems = []
    for key, settings in given:
        start = settings.xmr_baseline_start
        if "xmr_baseline_start" not in settings.model_fields_set or start is None:
            continue
        if start > latest:
            if start > week_ending:
                where = "is after"
            else:
                where = f"leaves only {(week_ending - start).days // 7 + 1} weeks through"
            problems.append(
                f"{key}.xmr_baseline_start: {start} {where} the deck's week ending "
                f"{week_ending}, so XmR flags would be off (a chart needs {XMR_MIN_WEEKS} weeks "
                f"from its baseline start): give a date on or before {latest}"
            )
    return problems


def describe_error(error: Mapping[str, Any], lines: dict[tuple, int], source: str) -> Problem:
    """One problem for one pydantic error: file, line, and `key: what was expected`."""
    loc = tuple(part for part in error["loc"] if not str(part).startswith(("function-", "literal")))
    key = ".".join(str(p) for p in loc) or "(top level)"
    line = line_of(lines, loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return Problem(source, line, None, f"unknown key '{key}'")
    if kind == "missing":
        return Problem(source, line, None, f"missing required key '{key}'")
    message = error["msg"].removeprefix("Value error, ")
    if message.startswith("Input should be"):
        message = message.replace("Input should be", "expected", 1)
        return Problem(source, line, None, f"{key}: {message}, got {error.get('input')!r}")
    return Problem(source, line, None, f"{key}: {message}")


def check_references(config: Config, lines: dict[tuple, int], source: str) -> list[Problem]:
    """Ratio operands and `drives` must name known metrics, with no cycles between ratios."""
    problems = []
    for metric_id, metric in config.metrics.items():
        refs: list[tuple[tuple[str | int, ...], str | None]] = [
            (("numerator",), metric.numerator),
            (("denominator",), metric.denominator),
        ]
        if metric.formula is not None:
            refs += [
                (("formula", "operands", index), operand)
                for index, operand in enumerate(metric.formula.operands)
            ]
        for place, target in refs:
            field = ".".join(part for part in place if isinstance(part, str))
            if target and target not in config.metrics:
                line = line_of(lines, ("metrics", metric_id, *place))
                problems.append(
                    Problem(
                        source,
                        line,
                        None,
                        f"metrics.{metric_id}.{field}: unknown metric '{target}'",
                    )
                )
        for index, target in enumerate(metric.drives):
            if target not in config.metrics:
                line = line_of(lines, ("metrics", metric_id, "drives", index))
                problems.append(
                    Problem(
                        source, line, None, f"metrics.{metric_id}.drives: unknown metric '{target}'"
                    )
                )
    if problems:
        return problems
    cycle = dependency_order(config)[1]
    if cycle:
        line = line_of(lines, ("metrics", cycle[0]))
        message = f"metrics.{cycle[0]}: circular definition {' -> '.join(cycle)}"
        return [Problem(source, line, None, message)]
    return []


def dependency_order(config: Config) -> tuple[list[str], list[str] | None]:
    """Metric ids with every operand before the metrics computed from it, and the first cycle.

    One depth-first walk with an explicit stack: linear in metrics plus operands, and no
    recursion, so a chain of thousands of derived metrics neither crawls nor overflows.
    Operands that are not metrics are skipped here (the reference check reports them).
    """
    ordered: list[str] = []
    placed: set[str] = set()
    for root in config.metrics:
        if root in placed:
            continue
        path, on_path = [root], {root}
        pending = [iter(config.metrics[root].operands)]
        while pending:
            operand = next(pending[-1], None)
            if operand is None:
                done = path.pop()
                pending.pop()
                on_path.discard(done)
                placed.add(done)
                ordered.append(done)
            elif operand in on_path:
                return ordered, [*path[path.index(operand) :], operand]
            elif operand in config.metrics and operand not in placed:
                path.append(operand)
                on_path.add(operand)
                pending.append(iter(config.metrics[operand].operands))
    return ordered, None


_LAST_ORDER: list[tuple[dict, list[str]]] = []  # the last metrics dict and its order


def evaluation_order(config: Config) -> list[str]:
    """Metric ids ordered so every ratio or derived metric comes after its operands."""
    # A deck asks for the order of the same metrics 7 times (~20 ms each at 10,000 metrics).
    # Kept for the one metrics dict it was worked out from (a config copied with other metrics
    # has another dict; nothing changes a validated config's metrics in place).
    if _LAST_ORDER and _LAST_ORDER[0][0] is config.metrics:
        return list(_LAST_ORDER[0][1])
    order = dependency_order(config)[0]
    _LAST_ORDER[:] = [(config.metrics, order)]
    return list(order)
