"""wbr.yaml -> a validated Config: reading the file and validating it, errors that name the key
and the line. The schema is in config_schema, the YAML reading in yaml_reader, the checks across
keys in config_checks; their public names are importable from here too."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from pydantic import ValidationError

from wbr.engine.config_checks import (
    baseline_start_problems,
    check_references,
    describe_error,
    evaluation_order,
)
from wbr.engine.config_schema import (
    DERIVED_AGGREGATIONS,
    WEEKDAYS,
    XMR_MIN_WEEKS,
    Aggregation,
    CalendarConfig,
    Config,
    EmailConfig,
    FlagSettings,
    Formula,
    HistoryConfig,
    MetricConfig,
    Polarity,
    SourceConfig,
    SourcesConfig,
    TextSourceConfig,
)
from wbr.engine.warehouse.settings import TableConfig, check_warehouse_references
from wbr.engine.yaml_reader import (
    AliasError,
    duplicate_keys,
    keys_not_text,
    line_index,
    line_of,
    parse_yaml_document,
    parse_yaml_keys,
)
from wbr.errors import ConfigError, Problem
from wbr.files import ensure_regular_file

__all__ = [
    "DERIVED_AGGREGATIONS",
    "MAX_CONFIG_BYTES",
    "WEEKDAYS",
    "XMR_MIN_WEEKS",
    "Aggregation",
    "AliasError",
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
    "TableConfig",
    "TextSourceConfig",
    "baseline_start_problems",
    "evaluation_order",
    "load_config",
    "parse_config",
    "parse_yaml_document",
    "read_config_text",
]

# A config with thousands of metrics is well under 1 MB: past this, it is the wrong file.
MAX_CONFIG_BYTES = 10 * 2**20


def parse_config(text: str, source: str = "wbr.yaml", base_dir: Path | None = None) -> Config:
    """Validate YAML text into a Config; raise ConfigError listing every problem with its line."""
    try:
        root, raw, walk = parse_yaml_keys(text)
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
    # The walk that refused aliases found the lines and whether a key is given twice or is not
    # text: the problems are then worded by the walks that find them.
    lines = walk.lines if walk else line_index(root) if root is not None else {}
    twice = walk.twice if walk else root is not None
    duplicates = duplicate_keys(root, source) if root is not None and twice else []
    if duplicates:
        raise ConfigError(problems=duplicates)
    not_text_found = walk.not_text if walk else root is not None
    not_text = keys_not_text(root, source) if root is not None and not_text_found else []
    if not_text:
        raise ConfigError(problems=not_text)
    if "base_dir" in raw:
        raise ConfigError(
            problems=[Problem(source, lines.get(("base_dir",)), None, "unknown key 'base_dir'")]
        )
    try:
        config = Config.model_validate({**raw, "base_dir": base_dir or Path(".")})
    except ValidationError as exc:
        described = [describe_error(error, lines, source) for error in exc.errors()]
        raise ConfigError(problems=described) from exc
    problems = check_references(config, lines, source)
    problems += [
        Problem(source, line, None, message)
        for line, message in check_warehouse_references(config, lambda loc: line_of(lines, loc))
    ]
    if isinstance(config.week_ending, dt.date):
        weekday = config.week_ending.weekday()
        if weekday != config.calendar.week_end_weekday:
            line = line_of(lines, ("week_ending",))
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
            line = line_of(lines, ("sections", index))
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
