"""wbr.yaml -> a validated Config: the config schema, and errors that name the key and the line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wbr.engine.warehouse.settings import (
    TableConfig,
    check_warehouse_references,
    query_source_problem,
    table_metric_defaults,
)
from wbr.errors import ConfigError, Problem
from wbr.files import ensure_regular_file

# A config with thousands of metrics is well under 1 MB: past this, it is the wrong file.
MAX_CONFIG_BYTES = 10 * 2**20

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


def _line_index(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Map every key path in the YAML document to its 1-based line number."""
    lines: dict[tuple, int] = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, key_node.value)
            lines.update(_line_index(value_node, key_path))
            lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_index(item, (*path, i)))
    return lines


def _duplicate_keys(node: yaml.Node, source: str, path: tuple = ()) -> list[Problem]:
    """Keys given twice in one mapping (YAML would silently keep only the second)."""
    problems = []
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = key_node.value, key_node.start_mark.line + 1
            dotted = ".".join(str(p) for p in (*path, key))
            if key in first_line:
                problems.append(
                    Problem(
                        source,
                        line,
                        None,
                        f"'{dotted}' is given twice (first on line {first_line[key]}); "
                        "only one can count",
                    )
                )
            first_line.setdefault(key, line)
            problems += _duplicate_keys(value_node, source, (*path, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems += _duplicate_keys(item, source, (*path, i))
    return problems


_KEY_READ_AS = {
    "tag:yaml.org,2002:bool": "a true/false value",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "an empty value",
    "tag:yaml.org,2002:timestamp": "a date",
}


def _keys_not_text(root: yaml.Node, source: str) -> list[Problem]:
    """Keys YAML reads as something other than text (`yes:`, `on:`, `1:`, `2026-01-01:`).

    Every key of a config is a name; YAML 1.1 would turn `yes:` into True, and the error would
    then name `metrics.True`. Each is reported as written, with the quoting that fixes it.
    """
    problems = []
    stack: list[tuple[yaml.Node, tuple[str, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack += [(item, (*path, str(i))) for i, item in enumerate(node.value)]
        if not isinstance(node, yaml.MappingNode):
            continue
        for key_node, value_node in node.value:
            written = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag.endswith(":str"):
                stack.append((value_node, (*path, written)))
                continue
            read_as = _KEY_READ_AS.get(key_node.tag, "not text")
            dotted = ".".join((*path, written))
            problems.append(
                Problem(
                    source,
                    key_node.start_mark.line + 1,
                    None,
                    f"'{dotted}': YAML reads the key {written!r} as {read_as}; put it in quotes "
                    f"('{written}':) to use it as a name",
                )
            )
    return sorted(problems, key=lambda problem: problem.line or 0)


def _line_of(lines: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest known prefix of a key path."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _describe(error: Mapping[str, Any], lines: dict[tuple, int], source: str) -> Problem:
    """One problem for one pydantic error: file, line, and `key: what was expected`."""
    loc = tuple(part for part in error["loc"] if not str(part).startswith(("function-", "literal")))
    key = ".".join(str(p) for p in loc) or "(top level)"
    line = _line_of(lines, loc)
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


def _check_references(config: Config, lines: dict[tuple, int], source: str) -> list[Problem]:
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
                line = _line_of(lines, ("metrics", metric_id, *place))
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
                line = _line_of(lines, ("metrics", metric_id, "drives", index))
                problems.append(
                    Problem(
                        source, line, None, f"metrics.{metric_id}.drives: unknown metric '{target}'"
                    )
                )
    if problems:
        return problems
    cycle = _dependency_order(config)[1]
    if cycle:
        line = _line_of(lines, ("metrics", cycle[0]))
        message = f"metrics.{cycle[0]}: circular definition {' -> '.join(cycle)}"
        return [Problem(source, line, None, message)]
    return []


def _dependency_order(config: Config) -> tuple[list[str], list[str] | None]:
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


def evaluation_order(config: Config) -> list[str]:
    """Metric ids ordered so every ratio or derived metric comes after its operands."""
    return _dependency_order(config)[0]


def parse_yaml_document(text: str) -> tuple[yaml.Node | None, Any]:
    """One parse giving both the node tree (for line numbers) and the data; refuses aliases.

    Uses libyaml's C loader when PyYAML was built with it (ten times faster on big configs).
    """
    fast = getattr(yaml, "CSafeLoader", None)
    for loader_class in (fast, yaml.SafeLoader) if fast else (yaml.SafeLoader,):
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None, None
            _refuse_aliases(root)  # before anything walks or builds the tree
            return root, loader.construct_document(root)
        except yaml.YAMLError:
            if loader_class is yaml.SafeLoader:
                raise  # the pure-Python parser words its errors better: report its message
        finally:
            loader.dispose()
    raise AssertionError("unreachable")


class AliasError(yaml.YAMLError):
    """A config uses a YAML alias (*name): `line` is where, `anchor_line` where its &name is."""

    def __init__(self, line: int, anchor_line: int) -> None:
        super().__init__(f"line {line}: YAML alias of the anchor on line {anchor_line}")
        self.line, self.anchor_line = line, anchor_line

    def message(self, source: str) -> str:
        """The user's one-line message."""
        return (
            f"{source}:{self.line}: YAML aliases (*name, here of the anchor &name on line "
            f"{self.anchor_line}) are not allowed in a config; write the value out"
        )


def _refuse_aliases(root: yaml.Node) -> None:
    """Raise AliasError at the first node reached twice: an alias (*name) of an anchor (&name).

    A config never needs them, and nine levels of aliases to aliases expand to billions of
    paths for every walk over the tree: refusing them keeps every later walk linear in the text.
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, root.start_mark.line + 1)]
    while stack:
        node, line = stack.pop()
        if id(node) in seen:
            raise AliasError(line, node.start_mark.line + 1)
        seen.add(id(node))
        children: list[tuple[yaml.Node, int]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                children += [(key_node, line), (value_node, line)]
        elif isinstance(node, yaml.SequenceNode):
            # an alias item carries its anchor's marks: name the sequence that holds it
            children = [(item, node.start_mark.line + 1) for item in node.value]
        stack += reversed(children)  # document order: an anchor is met before its aliases


def parse_config(text: str, source: str = "wbr.yaml", base_dir: Path | None = None) -> Config:
    """Validate YAML text into a Config; raise ConfigError listing every problem with its line."""
    try:
        root, raw = parse_yaml_document(text)
    except AliasError as exc:
        raise ConfigError(exc.message(source)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        invalid = Problem(
            source, mark.line + 1 if mark else None, None, f"not valid YAML: {problem}"
        )
        raise ConfigError(problems=[invalid]) from exc
    if not isinstance(raw, dict):
        not_a_mapping = Problem(
            source, None, None, "expected a mapping of settings at the top level"
        )
        raise ConfigError(problems=[not_a_mapping])
    lines = _line_index(root) if root is not None else {}
    duplicates = _duplicate_keys(root, source) if root is not None else []
    if duplicates:
        raise ConfigError(problems=duplicates)
    not_text = _keys_not_text(root, source) if root is not None else []
    if not_text:
        raise ConfigError(problems=not_text)
    if "base_dir" in raw:
        raise ConfigError(
            problems=[Problem(source, lines.get(("base_dir",)), None, "unknown key 'base_dir'")]
        )
    try:
        config = Config.model_validate({**raw, "base_dir": base_dir or Path(".")})
    except ValidationError as exc:
        described = [_describe(error, lines, source) for error in exc.errors()]
        raise ConfigError(problems=described) from exc
    problems = _check_references(config, lines, source)
    problems += [
        Problem(source, line, None, message)
        for line, message in check_warehouse_references(config, lambda loc: _line_of(lines, loc))
    ]
    if isinstance(config.week_ending, dt.date):
        weekday = config.week_ending.weekday()
        if weekday != config.calendar.week_end_weekday:
            line = _line_of(lines, ("week_ending",))
            problems.append(
                Problem(
                    source,
                    line,
                    None,
                    f"week_ending: {config.week_ending} is a {WEEKDAYS[weekday].title()}, but "
                    f"weeks end on {config.calendar.week_end_day.title()} (calendar.week_end_day)",
                )
            )
    for index, name in enumerate(config.sections):
        if not any(config.section_of(m) == name for m in config.metrics):
            line = _line_of(lines, ("sections", index))
            problems.append(Problem(source, line, None, f"sections: '{name}' has no metrics"))
    if problems:
        raise ConfigError(problems=problems)
    return config


def read_config_text(path: Path, what: str = "config file") -> str:
    """A YAML file's text (BOM stripped); a missing, unreadable, non-UTF-8, special (a FIFO,
    /dev/zero) or oversized file is ConfigError."""
    ensure_regular_file(path, what, ConfigError)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)  # bounded even if the file grows meanwhile
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{path}: the {what} is larger than {MAX_CONFIG_BYTES // 2**20} MB; "
                "is it the right file?"
            )
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the {what} as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror}") from None


def load_config(path: str | Path) -> Config:
    """Read and validate a wbr.yaml file."""
    path = Path(path)
    text = read_config_text(path)
    return parse_config(text, source=str(path), base_dir=path.resolve().parent)
