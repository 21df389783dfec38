"""Documentation is tested: every wbr.yaml key and every `wbr` subcommand appears in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from wbr.cli import build_parser
from wbr.engine.config import Config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if name == "base_dir":
            continue
        keys.append(prefix + (field.alias or name))
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                keys += _keys(candidate, prefix + name + ".")
    return keys


@pytest.mark.parametrize("key", _keys(Config))
def test_every_config_key_is_documented(key):
    # Each key must appear inside a code span: `calendar.week_end_day`, or {path, format: ...}.
    for part in key.split("."):
        assert re.search(rf"`[^`]*\b{part}\b[^`]*`", README), (key, part)


def test_every_metric_key_is_documented():
    from wbr.engine.config import MetricConfig

    for field_name, field in MetricConfig.model_fields.items():
        name = field.alias or field_name  # `from` is written `from` in the YAML
        assert re.search(rf"`metrics\.<id>\.{name}`|\.{name}`", README), name


def test_every_subcommand_is_documented():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"`wbr {name}" in README, name


def test_pyproject_and_environment_yml_agree():
    environment = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "-e .[dev]" in environment and "python=3.11" in environment
