"""The wbr.yaml schema: the pydantic models of a config, and the constants they share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wbr.engine.warehouse.settings import (
    TableConfig,
    query_source_problem,
    table_metric_defaults,
)

__all__ = [
    "DERIVED_AGGREGATIONS",
    "WEEKDAYS",
    "XMR_MIN_WEEKS",
    "Aggregation",
    "CalendarConfig",
    "Config",
    "EmailConfig",
    "FlagSettings",
    "Formula",
    "HistoryConfig",
    "MetricConfig",
    "Polarity",
    "SourceConfig",
    "SourcesConfig",
    "TextSourceConfig",
]

# Weeks an XmR chart needs from its baseline start (analysis.xmr.MIN_POINTS + 1).
XMR_MIN_WEEKS = 7

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Aggregation = Literal["sum", "ratio", "mean", "last", "first", "min", "max", "derived", "distinct"]
DERIVED_AGGREGATIONS = ("ratio", "derived")
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarConfig(_Strict):
    """Week end day, fiscal year start and how period-to-date windows align with last year."""

    week_end_day: str = "saturday"
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    ptd_alignment: Literal["calendar_date", "shift_364"] = "calendar_date"
    time_zone: str = "UTC"

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA time zone such as America/New_York, got {value!r}"
            ) from None
        return value

    @field_validator("week_end_day", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> str:
        name = str(value).strip().lower()
        if name not in WEEKDAYS:
            raise ValueError(f"expected one of {', '.join(WEEKDAYS)}, got {value!r}")
        return name

    @property
    def week_end_weekday(self) -> int:
        """Python weekday number (Monday=0) of the last day of a week."""
        return WEEKDAYS.index(self.week_end_day)


class SourceConfig(_Strict):
    """One input: a CSV file (relative to the YAML file) or SQL run on a connection."""

    path: Path | None = None
    connection: str | None = None  # a name under connections:; omitted = the embedded DuckDB
    query: str | None = None
    query_file: Path | None = None
    format: Literal["long", "wide"] = "long"
    duplicates: Literal["error", "sum"] = "error"
    grain: Literal["daily", "weekly", "monthly"] = "daily"

    @model_validator(mode="after")
    def _one_input(self) -> SourceConfig:
        problem = query_source_problem(self.path, self.query, self.query_file, self.connection)
        if problem:
            raise ValueError(problem)
        return self


class TextSourceConfig(_Strict):
    """A commentary or events CSV."""

    path: Path


class SourcesConfig(_Strict):
    """Where actuals, plan, commentary and events come from."""

    actuals: SourceConfig | None = None  # None: every base metric is read from a table
    plan: SourceConfig | None = None
    commentary: TextSourceConfig | None = None
    events: TextSourceConfig | None = None
    actions: TextSourceConfig | None = None  # opened,metric,owner,action,due[,closed]


class FlagSettings(_Strict):
    """Per-metric thresholds for the noteworthy-variance flags (every field has a default)."""

    xmr: bool = True
    xmr_series: Literal["auto", "raw", "yoy"] = "auto"
    xmr_baseline_weeks: int = Field(20, ge=5, le=260)
    xmr_baseline_start: dt.date | None = None  # first week of the XmR baseline (default: first)
    seasonal: bool = True
    seasonal_z: float = Field(5.0, gt=0)
    plan_miss_pct: float = Field(2.0, ge=0)
    plan_miss_bps: float = Field(25.0, ge=0)
    plan_miss_abs: float | None = Field(None, ge=0)  # comparison abs: in the metric's unit
    plan_streak_weeks: int = Field(3, ge=2)
    stuck_weeks: int = Field(3, ge=2)
    min_denominator: float = Field(100.0, ge=0)
    yoy_deceleration_pp: float | None = Field(None, gt=0)  # trend flag; off unless set


class Formula(_Strict):
    """A derived metric: `op` over its operands' window values (each aggregated first)."""

    op: Literal["sum", "difference", "product", "divide"]
    operands: list[str] = Field(min_length=2)

    @model_validator(mode="after")
    def _arity(self) -> Formula:
        if self.op in ("difference", "divide") and len(self.operands) != 2:
            raise ValueError(f"{self.op} takes exactly 2 operands, got {len(self.operands)}")
        return self


class MetricConfig(_Strict):
    """One metric: how to aggregate it, how to compare it, and who owns it."""

    label: str | None = None
    aggregation: Aggregation = "sum"
    unit: str = "count"
    kind: Literal["input", "output", "diagnostic"] = "output"
    polarity: Polarity = "higher_is_better"
    owner: str | None = None
    section: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    comparison: Literal["pct", "bps", "abs"] | None = None
    drives: list[str] = Field(default_factory=list)
    definition: str | None = None
    show: bool = True
    flags: FlagSettings | None = None
    formula: Formula | None = None
    from_: str | None = Field(None, alias="from")  # a table under tables:
    measure: str | None = None  # count, sum(col), min(col), max(col), count_distinct(col)
    where: str | None = None  # an SQL condition on the table's rows, in its engine's dialect

    @model_validator(mode="before")
    @classmethod
    def _table_measure(cls, data: Any) -> Any:
        return table_metric_defaults(data)

    @model_validator(mode="after")
    def _ratio_operands(self) -> MetricConfig:
        if self.aggregation == "ratio":
            missing = [k for k in ("numerator", "denominator") if not getattr(self, k)]
            if missing:
                raise ValueError(f"a ratio metric needs {' and '.join(missing)}")
        elif self.numerator or self.denominator:
            raise ValueError(
                f"numerator/denominator are only for aggregation: ratio (this one is "
                f"{self.aggregation})"
            )
        if self.aggregation == "derived" and self.formula is None:
            raise ValueError("a derived metric needs a formula: {op, operands}")
        if self.formula is not None and self.aggregation != "derived":
            raise ValueError(
                f"formula is only for aggregation: derived (this one is {self.aggregation})"
            )
        return self

    @property
    def operands(self) -> list[str]:
        """Metrics this one is computed from after window aggregation (none for base metrics)."""
        if self.aggregation == "ratio":
            assert self.numerator and self.denominator  # checked by _ratio_operands
            return [self.numerator, self.denominator]
        if self.formula is not None:
            return list(self.formula.operands)
        return []

    @property
    def comparison_method(self) -> Literal["pct", "bps", "abs"]:
        """pct, bps or abs: explicit, else bps for percent units and pct for everything else."""
        if self.comparison:
            return self.comparison
        return "bps" if self.unit in ("percent", "%") else "pct"


class HistoryConfig(_Strict):
    """Where earlier decks are read, and how big a change to a past number is a restatement."""

    folder: Path | None = None  # None: the folder `wbr run --out` writes reports to
    restatement_pct: float = Field(0.5, ge=0)  # relative change beyond this many percent
    restatement_floor: float = Field(0.0, ge=0)  # and at least this much, in the metric's units


# The subject's placeholders, with example values to check a template when the config loads.
SUBJECT_EXAMPLE: dict[str, Any] = {
    "title": "Acme WBR",
    "week_number": 47,
    "week_ending": "2026-11-21",
    "flags": 3,  # flags raised on all blocks
    "flagged_blocks": 2,  # blocks with at least one flag
    "flag_count": 2,  # the old name of flagged_blocks
}


class EmailConfig(_Strict):
    """Recipients and subject template of the emailed deck."""

    to: list[str] = Field(default_factory=list)
    subject: str = "{title}: week {week_number} ending {week_ending} ({flags} flags)"

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        names = ", ".join(f"{{{name}}}" for name in SUBJECT_EXAMPLE if name != "flag_count")
        try:
            value.format(**SUBJECT_EXAMPLE)
        except KeyError as error:
            raise ValueError(
                f"unknown placeholder {{{error.args[0]}}} in {value!r}; the placeholders are "
                f"{names}"
            ) from None
        except (IndexError, ValueError, AttributeError, TypeError) as error:
            raise ValueError(
                f"cannot fill {value!r} ({type(error).__name__}: {error}); the placeholders are "
                f"{names}, each written as {{name}}"
            ) from None
        return value


class Config(_Strict):
    """The whole validated wbr.yaml; `base_dir` is the folder paths are relative to."""

    title: str
    week_ending: Literal["latest"] | dt.date = "latest"
    calendar: CalendarConfig = CalendarConfig()
    sources: SourcesConfig = SourcesConfig()
    dimensions: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    metrics: dict[str, MetricConfig]
    connections: dict[str, str] = Field(default_factory=dict)  # name -> URL with ${VAR}s
    tables: dict[str, TableConfig] = Field(default_factory=dict)
    email: EmailConfig = EmailConfig()
    flags: FlagSettings = FlagSettings()
    history: HistoryConfig = HistoryConfig()
    base_dir: Path = Path(".")

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected the deck's title, got an empty one")
        return value

    @field_validator("metrics")
    @classmethod
    def _some_metrics(cls, value: dict[str, MetricConfig]) -> dict[str, MetricConfig]:
        if not value:
            raise ValueError("no metrics: give at least one, e.g. orders: {label: Orders}")
        return value

    @field_validator("week_ending", mode="before")
    @classmethod
    def _week_ending(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str) and value.strip().lower() != "latest":
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected 'latest' or a date YYYY-MM-DD, got {value!r}") from None
        return value

    def resolve(self, path: Path) -> Path:
        """A path from the config, made absolute against the config's folder."""
        return path if path.is_absolute() else self.base_dir / path

    def metric_label(self, metric_id: str) -> str:
        """Display label of a metric (its id when no label is given)."""
        return self.metrics[metric_id].label or metric_id

    def section_of(self, metric_id: str) -> str:
        """Section a metric's block sits in."""
        return self.metrics[metric_id].section or "Metrics"

    def flag_settings(self, metric_id: str) -> FlagSettings:
        """Flag thresholds of a metric: the keys its own `flags:` gives, the deck's for the rest."""
        own = self.metrics[metric_id].flags
        if own is None or not own.model_fields_set:
            return self.flags
        return self.flags.model_copy(
            update={key: getattr(own, key) for key in own.model_fields_set}
        )

    def input_files(self) -> list[tuple[str, Path]]:
        """Every local file the config reads, as (what it is, absolute path)."""
        files = []
        for name in ("actuals", "plan", "commentary", "events"):
            source = getattr(self.sources, name)
            for key in ("path", "query_file"):
                value = getattr(source, key, None) if source is not None else None
                if value:
                    files.append((f"{name} file", self.resolve(Path(value))))
        for name, table in self.tables.items():
            if table.path:
                files.append((f"tables.{name} file", self.resolve(Path(table.path))))
        return files

    def ordered_sections(self) -> list[str]:
        """Sections in the configured order, then any others in order of first appearance."""
        order = list(self.sections)
        for metric_id, metric in self.metrics.items():
            if metric.show and self.section_of(metric_id) not in order:
                order.append(self.section_of(metric_id))
        return order

    def base_metrics(self) -> list[str]:
        """Metrics read from data (every metric that is not a ratio)."""
        return [m for m, spec in self.metrics.items() if not spec.operands]
