"""The warehouse part of wbr.yaml: connections, raw tables, table metrics' measures, SQL sources.

Imported by wbr.engine.config (so it must not import it). Connection URLs are templates: `${VAR}`
is filled from the environment only when a connection is opened, so a password never sits in the
YAML file, in a parsed Config that is printed, or in a papermill parameter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wbr.errors import ConfigError

MEASURE_KINDS = ("count", "sum", "min", "max", "count_distinct")
# How a measure's daily values become a window's value: counts and sums add up over days, a
# minimum of minimums is the minimum, but a distinct count must be counted over the window itself.
AGGREGATION_OF_MEASURE = {
    "count": "sum",
    "sum": "sum",
    "min": "min",
    "max": "max",
    "count_distinct": "distinct",
}
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_MEASURE = re.compile(rf"^\s*({'|'.join(MEASURE_KINDS)})\s*(?:\(\s*({_IDENTIFIER})?\s*\))?\s*$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Measure:
    """A parsed `measure:`: count, or sum/min/max/count_distinct of one column."""

    kind: str
    column: str | None

    @property
    def aggregation(self) -> str:
        """How the deck aggregates this measure's values over a window."""
        return AGGREGATION_OF_MEASURE[self.kind]

    def __str__(self) -> str:
        return self.kind if self.column is None else f"{self.kind}({self.column})"


def parse_measure(text: str) -> Measure:
    """`count`, `sum(col)`, `min(col)`, `max(col)` or `count_distinct(col)`; else ValueError."""
    match = _MEASURE.match(str(text))
    if not match:
        raise ValueError(
            f"measure: expected count, sum(column), min(column), max(column) or "
            f"count_distinct(column), got {text!r}"
        )
    kind, column = match.group(1), match.group(2)
    if kind == "count" and column:
        raise ValueError(f"measure: count takes no column (count rows), got {text!r}")
    if kind != "count" and not column:
        raise ValueError(f"measure: {kind} needs a column, e.g. {kind}(amount), got {text!r}")
    return Measure(kind, column)


def table_metric_defaults(data: Any) -> Any:
    """Check a metric's from/measure/where keys and imply its aggregation from the measure.

    Runs on the raw mapping before the metric is validated, so `aggregation:` may be left out.
    """
    if not isinstance(data, Mapping):
        return data
    if not ({"from", "measure", "where"} & set(data)):
        if data.get("aggregation") == "distinct":
            raise ValueError(
                "aggregation: distinct is only for a table metric with measure: "
                "count_distinct(column); a daily file cannot give a distinct count over a window"
            )
        return data
    if "from" not in data:
        given = "measure" if "measure" in data else "where"
        raise ValueError(f"{given} is only for a metric read from a table (add from: TABLE)")
    if "measure" not in data:
        raise ValueError("a metric read from a table needs a measure, e.g. measure: count")
    measure = parse_measure(data["measure"])
    implied = measure.aggregation
    stated = data.get("aggregation")
    if stated is not None and stated != implied:
        raise ValueError(
            f"aggregation: {measure} is aggregated over a window as {implied}; leave "
            f"aggregation out (got {stated!r})"
        )
    return {**data, "aggregation": implied}


class TableConfig(BaseModel):
    """A raw table (or files) that metrics are computed from, in the engine that holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connection: str | None = None
    table: str | None = None
    path: str | None = None
    date: str
    dimensions: list[str] = Field(default_factory=list)

    @field_validator("date")
    @classmethod
    def _date_column(cls, value: str) -> str:
        if not re.fullmatch(_IDENTIFIER, value):
            raise ValueError(f"expected a column name, got {value!r}")
        return value

    @field_validator("dimensions")
    @classmethod
    def _dimension_columns(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(_IDENTIFIER, name):
                raise ValueError(f"expected column names, got {name!r}")
        return value

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(rf"{_IDENTIFIER}(\.{_IDENTIFIER}){{0,2}}", value):
            raise ValueError(f"expected [catalog.][schema.]table, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_place(self) -> TableConfig:
        if (self.table is None) == (self.path is None):
            raise ValueError("give either table: (a table in a connection) or path: (files)")
        if self.table is not None and self.connection is None:
            raise ValueError(
                "table: needs a connection (without one, give path: for the embedded DuckDB)"
            )
        return self


def query_source_problem(path: Any, query: Any, query_file: Any, connection: Any) -> str | None:
    """Why a metric source's path/query/query_file/connection keys do not fit together, if so."""
    given = [k for k, v in (("path", path), ("query", query), ("query_file", query_file)) if v]
    if len(given) != 1:
        return "give exactly one of path (a CSV file), query or query_file (SQL)"
    if connection is not None and given == ["path"]:
        return "connection is for query or query_file; a path is a CSV file read here"
    return None


def expand_url(name: str, template: str, environ: Mapping[str, str] | None = None) -> str:
    """A connection's URL with every ${VAR} filled from the environment (and nothing else).

    A value filled into the user-info (`user:${PASSWORD}@host`) is percent-encoded: a password
    holding `/`, `?`, `#` or `@` would otherwise end the user-info early, the URL would no longer
    parse, and the driver's error would quote the password's first characters as a host or port.
    """
    from urllib.parse import quote

    environ = os.environ if environ is None else environ
    authority = template.find("://") + 3 if "://" in template else -1
    user_info_end = template.find("@", authority) if authority >= 0 else -1

    def value(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in environ or environ[variable] == "":
            raise ConfigError(
                f"connections.{name}: environment variable {variable} is not set "
                f"(the connection URL reads it)"
            )
        if authority <= match.start() < user_info_end:
            return quote(environ[variable], safe="")
        return environ[variable]

    return _VARIABLE.sub(value, template)


def url_scheme(url: str) -> str:
    """The URL's scheme in lower case ('postgresql', 'duckdb', 'snowflake', ...)."""
    return url.split("://", 1)[0].lower() if "://" in url else ""


def url_password(url: str) -> str | None:
    """The password in a URL's user-info, if any (to remove it from messages)."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def redact(text: str, urls: list[str]) -> str:
    """A message with every URL and password from `urls` replaced, so it can be shown."""
    from urllib.parse import quote

    for url in urls:
        if url:
            text = text.replace(url, "<connection URL>")
        password = url_password(url)
        if password:
            for form in {password, quote(password, safe="")}:
                text = text.replace(form, "***")
    return text


def check_warehouse_references(config: Any, line_of: Any) -> list[tuple[int | None, str]]:
    """(line, message) for every table, connection or source a config names but does not define.

    `line_of(key_path)` gives the YAML line of a key path (None when unknown).
    """
    problems: list[tuple[int | None, str]] = []
    for name, table in config.tables.items():
        if table.connection is not None and table.connection not in config.connections:
            problems.append(
                (
                    line_of(("tables", name, "connection")),
                    f"tables.{name}.connection: unknown connection '{table.connection}'",
                )
            )
    for metric_id, metric in config.metrics.items():
        table = metric.from_
        if table is not None and table not in config.tables:
            problems.append(
                (
                    line_of(("metrics", metric_id, "from")),
                    f"metrics.{metric_id}.from: unknown table '{table}'",
                )
            )
    for role in ("actuals", "plan"):
        source = getattr(config.sources, role)
        if source is not None and source.connection not in (None, *config.connections):
            problems.append(
                (
                    line_of(("sources", role, "connection")),
                    f"sources.{role}.connection: unknown connection '{source.connection}'",
                )
            )
    from_files = [
        m for m, spec in config.metrics.items() if spec.from_ is None and not spec.operands
    ]
    if config.sources.actuals is None and from_files:
        problems.append(
            (
                line_of(("sources",)),
                f"sources.actuals is needed for {', '.join(from_files[:5])}"
                f"{' ...' if len(from_files) > 5 else ''} (metrics not read from a table)",
            )
        )
    return problems
