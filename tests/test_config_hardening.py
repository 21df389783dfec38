"""Regression tests of issue 10's config, importer and CLI defects: each input here once
injected keys, hung the tool, overwrote an input or was accepted silently."""

from __future__ import annotations

import contextlib
import os
import signal
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wbr.engine.config import load_config
from wbr.errors import ConfigError, DataError
from wbr.importers.wbr_app import convert_wbr_app

APP_SETUP = """\
setup:
  week_ending: 18-JAN-2020
  title: Test deck
"""
APP_CSV = "Date,orders\n2020-01-05,1\n2020-01-06,2\n"


def _write_app(tmp_path: Path, config: str) -> tuple[Path, Path]:
    app_yaml, app_csv = tmp_path / "app.yaml", tmp_path / "app.csv"
    app_yaml.write_text(config, encoding="utf-8")
    app_csv.write_text(APP_CSV, encoding="utf-8")
    return app_yaml, app_csv


def test_app_key_with_line_breaks_cannot_inject_keys_into_the_written_yaml(tmp_path):
    injected = "tooltipx\\nemail:\\n  to: [evil@example.com]\\n  subject: pwned\\n#"
    config = (
        APP_SETUP + f'  "{injected}": true\n' + "metrics:\n  Orders: {column: orders, aggf: sum}\n"
    )
    app_yaml, app_csv = _write_app(tmp_path, config)
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    text = result.config_path.read_text(encoding="utf-8")
    ours = yaml.safe_load(text)
    assert "email" not in ours
    assert "evil@example.com" not in str(load_config(result.config_path).email)
    # the key is still reported, its line breaks shown as escapes on one comment line
    comments = [line for line in text.splitlines() if "tooltipx" in line]
    assert len(comments) == 1 and comments[0].startswith("#")
    assert "tooltipx\\nemail:" in comments[0]


@pytest.mark.parametrize("separator", ["\r", "\u2028", "\x85"])
def test_every_yaml_line_break_in_an_app_key_stays_inside_the_comment(tmp_path, separator):
    key = f"tooltipx{separator}email: {{to: [evil@example.com]}}"
    config = {"setup": {"week_ending": "18-JAN-2020", key: True}}
    config["metrics"] = {"Orders": {"column": "orders", "aggf": "sum"}}
    app_yaml, app_csv = _write_app(tmp_path, yaml.safe_dump(config, allow_unicode=True))
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "wbr.yaml")
    assert "email" not in yaml.safe_load(result.config_path.read_text(encoding="utf-8"))


def _alias_bomb(levels: int = 9) -> str:
    """Nine levels of nine aliases: 9**9 paths through a few hundred bytes of YAML."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _deadline(seconds: int):
    """Fail (instead of hanging the suite) when the block runs longer than `seconds`."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _fifo(path: Path):
    """A named pipe at `path`; a helper thread ends (EOF) any read of it that blocks, so a
    reader that wrongly opens it fails the test instead of hanging the suite."""
    os.mkfifo(path)
    stop = threading.Event()

    def release_readers() -> None:
        while not stop.wait(0.05):
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # a reader is waiting
            except OSError:  # ENXIO: nobody is reading
                continue

    thread = threading.Thread(target=release_readers, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        thread.join()


def test_yaml_alias_bomb_in_wbr_yaml_is_refused_at_once(tmp_path):
    path = tmp_path / "wbr.yaml"
    path.write_text("title: T\nsources: {actuals: {path: m.csv}}\n" + _alias_bomb(), "utf-8")
    with _deadline(5), pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"{path}:4: YAML aliases" in str(error.value)
    assert "anchor &name on line 3" in str(error.value)


def test_yaml_alias_bomb_in_the_app_config_is_refused_at_once(tmp_path):
    app_yaml, app_csv = _write_app(tmp_path, APP_SETUP + _alias_bomb())
    with _deadline(5), pytest.raises(ConfigError, match=r"app\.yaml:5: YAML aliases"):
        convert_wbr_app(app_yaml, app_csv, tmp_path / "wbr.yaml")


def test_a_single_alias_in_a_config_is_refused_with_its_line(tmp_path):
    text = textwrap.dedent(
        """\
        title: T
        sources: {actuals: {path: m.csv}}
        metrics:
          orders: &base {unit: count}
          visits: *base
        """
    )
    path = tmp_path / "wbr.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"wbr\.yaml:5: YAML aliases .* line 4\)"):
        load_config(path)


def _config_text(body: str) -> str:
    return "title: T\nsources: {actuals: {path: m.csv}}\n" + textwrap.dedent(body)


def _load(tmp_path: Path, body: str):
    path = tmp_path / "wbr.yaml"
    path.write_text(_config_text(body), encoding="utf-8")
    return load_config(path)


def test_metric_flags_override_only_the_keys_they_give(tmp_path):
    config = _load(
        tmp_path,
        """\
        flags: {xmr: false, seasonal: false, stuck_weeks: 5}
        metrics:
          orders: {flags: {plan_miss_pct: 3}}
          visits: {flags: {xmr: true}}
          units: {}
        """,
    )
    orders = config.flag_settings("orders")
    assert (orders.xmr, orders.seasonal, orders.stuck_weeks, orders.plan_miss_pct) == (
        False,
        False,
        5,
        3,
    )
    visits = config.flag_settings("visits")
    assert (visits.xmr, visits.seasonal, visits.plan_miss_pct) == (True, False, 2.0)
    assert config.flag_settings("units") == config.flags


def test_a_chain_of_1500_derived_metrics_loads_orders_and_builds(tmp_path):
    """Each d<i> is d<i-1> + orders, listed deepest first so any recursion would overflow."""
    from wbr.engine.build import build_deck
    from wbr.engine.config import evaluation_order

    days = pd.date_range("2025-11-01", "2026-11-21")
    orders = pd.Series(range(1, len(days) + 1), index=days, dtype=float)
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "orders": orders.to_numpy()}).to_csv(
        tmp_path / "m.csv", index=False
    )
    chain = 1500
    lines = ["title: Chain", "sources: {actuals: {path: m.csv, format: wide}}", "metrics:"]
    for i in range(chain, 0, -1):
        operand = f"d{i - 1}" if i > 1 else "orders"
        lines.append(
            f"  d{i}: {{aggregation: derived, show: {str(i == chain).lower()}, "
            f"formula: {{op: sum, operands: [{operand}, orders]}}}}"
        )
    lines.append("  orders: {show: false}")
    (tmp_path / "wbr.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_config(tmp_path / "wbr.yaml")
    order = evaluation_order(config)
    assert order[:3] == ["orders", "d1", "d2"] and order[-1] == f"d{chain}"
    deck = build_deck(config, week_ending="2026-11-21", analyse=False)
    last_week = orders["2026-11-15":"2026-11-21"].sum()
    assert deck.blocks[0].box.last_week == pytest.approx((chain + 1) * last_week)


def test_a_long_cycle_is_reported_once_with_its_path(tmp_path):
    body = "metrics:\n" + "".join(
        f"  m{i}: {{aggregation: derived, formula: {{op: sum, operands: [m{(i + 1) % 400}, x]}}}}\n"
        for i in range(400)
    )
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, body + "  x: {}\n")
    message = str(error.value)
    assert message.count("\n") == 0
    assert "metrics.m0: circular definition m0 -> m1 -> m2" in message
    assert message.endswith("m398 -> m399 -> m0")


def _sample_config(tmp_path: Path, actuals: str = "m.csv") -> Path:
    pd.DataFrame({"date": ["2026-11-20", "2026-11-21"], "orders": [1, 2]}).to_csv(
        tmp_path / "m.csv", index=False
    )
    path = tmp_path / "wbr.yaml"
    path.write_text(
        f"title: T\nsources: {{actuals: {{path: {actuals}, format: wide}}}}\n"
        "metrics: {orders: {}}\n",
        encoding="utf-8",
    )
    return path


def test_a_fifo_as_actuals_is_a_data_error_not_a_hang(tmp_path):
    from wbr.engine.sources import load_data

    config = load_config(_sample_config(tmp_path, actuals="pipe.csv"))
    with (
        _fifo(tmp_path / "pipe.csv"),
        pytest.raises(DataError, match=r"pipe\.csv: the data file is a named pipe"),
    ):
        load_data(config)


def test_a_fifo_as_the_app_csv_is_a_data_error_not_a_hang(tmp_path):
    app_yaml, _ = _write_app(tmp_path, APP_SETUP + "metrics:\n  Orders: {column: orders}\n")
    with _fifo(tmp_path / "pipe.csv"), pytest.raises(DataError, match="named pipe"):
        convert_wbr_app(app_yaml, tmp_path / "pipe.csv", tmp_path / "out.yaml")


@pytest.mark.parametrize(
    ("special", "kind"), [("/dev/zero", "a character device"), ("fifo", "a named pipe (FIFO)")]
)
def test_a_special_file_as_config_is_one_error_line(tmp_path, capsys, special, kind):
    from wbr.cli import main

    with contextlib.ExitStack() as stack:
        if special == "fifo":
            special = str(stack.enter_context(_fifo(tmp_path / "wbr.yaml")))
        code = main(["validate", "--config", special])
    assert code == 2
    assert capsys.readouterr().err == (
        f"wbr: error: {special}: the config file is {kind}; give a regular file\n"
    )


def test_a_config_over_the_size_cap_is_refused(tmp_path, monkeypatch):
    from wbr.engine import config as config_module

    monkeypatch.setattr(config_module, "MAX_CONFIG_BYTES", 1000)
    path = _sample_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "#" * 1000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"wbr\.yaml: the config file is larger than"):
        load_config(path)


def _year_config(tmp_path: Path) -> Path:
    days = pd.date_range("2025-11-01", "2026-11-21")
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "orders": range(len(days))})
    frame.to_csv(tmp_path / "metrics.csv", index=False)
    events = tmp_path / "events.csv"
    events.write_text("date,metric,description\n2026-11-20,,sale\n", encoding="utf-8")
    path = tmp_path / "wbr.yaml"
    path.write_text(
        "title: T\nsources:\n  actuals: {path: metrics.csv, format: wide}\n"
        "  events: {path: events.csv}\nmetrics: {orders: {}}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("target", ["metrics.csv", "events.csv", "wbr.yaml", "./sub/../wbr.yaml"])
def test_deck_json_refuses_to_overwrite_a_file_the_config_reads(tmp_path, capsys, target):
    from wbr.cli import main

    config = _year_config(tmp_path)
    (tmp_path / "sub").mkdir()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code = main(["deck", "--config", str(config), "--json", str(tmp_path / target), "--quiet"])
    assert code == 2
    assert "--json" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_deck_json_to_a_new_file_still_writes(tmp_path):
    from wbr.cli import main

    config = _year_config(tmp_path)
    assert main(["deck", "--config", str(config), "--json", str(tmp_path / "deck.json")]) == 0
    assert (tmp_path / "deck.json").stat().st_size > 0


def test_send_dry_run_refuses_to_overwrite_the_config(tmp_path, capsys, monkeypatch):
    from wbr.cli import main
    from wbr.deliver import mail

    def must_not_send(*args, **kwargs):
        raise AssertionError("send_report was reached with the config as --dry-run")

    monkeypatch.setattr(mail, "send_report", must_not_send)
    config = _year_config(tmp_path)
    before = config.read_bytes()
    assert main(["send", "--config", str(config), "--dry-run", str(config)]) == 2
    assert "--dry-run" in capsys.readouterr().err and config.read_bytes() == before


def test_import_refuses_to_replace_an_existing_wbr_yaml_unless_forced(tmp_path, capsys):
    from wbr.cli import main

    app_yaml, app_csv = _write_app(
        tmp_path, APP_SETUP + "metrics:\n  Orders: {column: orders, aggf: sum}\n"
    )
    mine = tmp_path / "wbr.yaml"
    mine.write_text("title: my hand-written deck\n", encoding="utf-8")
    arguments = ["import-wbr-app", str(app_yaml), "--data", str(app_csv), "--out", str(mine)]
    assert main(arguments) == 2
    assert "already exists; give --force" in capsys.readouterr().err
    assert mine.read_text(encoding="utf-8") == "title: my hand-written deck\n"
    assert not (tmp_path / "wbr.actuals.csv").exists()
    assert main([*arguments, "--force"]) == 0
    assert load_config(mine).title == "Test deck"


def test_import_default_out_is_refused_over_an_existing_wbr_yaml(tmp_path, monkeypatch):
    from wbr.cli import main

    app_yaml, app_csv = _write_app(
        tmp_path, APP_SETUP + "metrics:\n  Orders: {column: orders, aggf: sum}\n"
    )
    monkeypatch.chdir(tmp_path)
    Path("wbr.yaml").write_text("title: mine\n", encoding="utf-8")
    assert main(["import-wbr-app", str(app_yaml), "--data", str(app_csv)]) == 2
    assert Path("wbr.yaml").read_text(encoding="utf-8") == "title: mine\n"


def test_escape_sequences_in_the_title_reach_the_terminal_visible(tmp_path, capsys):
    from wbr.cli import main

    config = _year_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("title: T", 'title: "\\e]0;pwned\\aAcme \\e[2J"'), "utf-8")
    assert main(["deck", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "\\x1b]0;pwned\\x07Acme \\x1b[2J: week 47" in out


def test_escape_sequences_in_a_csv_cell_reach_the_error_line_visible(tmp_path, capsys):
    from wbr.cli import main

    config = _year_config(tmp_path)
    with open(tmp_path / "metrics.csv", "a", encoding="utf-8") as csv_file:
        csv_file.write("2026-11-22,\x1b[31m12\r\n")
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\r" not in err
    assert "\\x1b[31m12" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("start", "why"),
    [("2027-01-02", "is after"), ("2026-11-07", "leaves only 3 weeks through")],
)
def test_xmr_baseline_start_too_late_for_a_chart_is_an_error_naming_it(tmp_path, start, why):
    from wbr.engine.build import build_deck

    path = _year_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"flags: {{xmr_baseline_start: {start}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        build_deck(load_config(path))
    assert str(error.value) == (
        f"flags.xmr_baseline_start: {start} {why} the deck's week ending 2026-11-21, so XmR "
        "flags would be off (a chart needs 7 weeks from its baseline start): give a date on or "
        "before 2026-10-10"
    )


def test_xmr_baseline_start_of_one_metric_is_named_by_validate(tmp_path, capsys):
    from wbr.cli import main

    path = _year_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "metrics: {orders: {}}", "metrics: {orders: {flags: {xmr_baseline_start: 2026-12-05}}}"
        ),
        encoding="utf-8",
    )
    assert main(["validate", "--config", str(path)]) == 2
    assert "metrics.orders.flags.xmr_baseline_start: 2026-12-05 is after" in capsys.readouterr().err


def test_xmr_min_weeks_matches_what_an_xmr_chart_needs():
    from wbr.analysis.xmr import MIN_POINTS, xmr_chart
    from wbr.engine.config import XMR_MIN_WEEKS

    assert XMR_MIN_WEEKS == MIN_POINTS + 1
    assert xmr_chart([1.0, 2.0] * 10, baseline_start=20 - XMR_MIN_WEEKS) is not None
    assert xmr_chart([1.0, 2.0] * 10, baseline_start=20 - XMR_MIN_WEEKS + 1) is None


def test_an_early_enough_xmr_baseline_start_builds(tmp_path):
    from wbr.engine.build import build_deck

    path = _year_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "flags: {xmr_baseline_start: 2026-10-10}\n", encoding="utf-8")
    assert build_deck(load_config(path)).week_ending.isoformat() == "2026-11-21"


def test_no_metrics_is_a_config_error_not_no_data_rows(tmp_path):
    path = tmp_path / "wbr.yaml"
    path.write_text("title: T\nsources: {actuals: {path: m.csv}}\nmetrics: {}\n", "utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == (
        f"{path}:3: metrics: no metrics: give at least one, e.g. orders: {{label: Orders}}"
    )


@pytest.mark.parametrize(
    ("key", "read_as"),
    [("yes", "a true/false value"), ("on", "a true/false value"), ("1", "a number")],
)
def test_a_metric_id_yaml_reads_as_another_type_is_reported_as_written(tmp_path, key, read_as):
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, f"metrics:\n  orders: {{}}\n  {key}: {{label: Yes}}\n")
    assert str(error.value) == (
        f"{tmp_path / 'wbr.yaml'}:5: 'metrics.{key}': YAML reads the key '{key}' as {read_as}; "
        f"put it in quotes ('{key}':) to use it as a name"
    )


def test_a_quoted_yes_is_a_metric_id(tmp_path):
    assert list(_load(tmp_path, "metrics:\n  'yes': {}\n").metrics) == ["yes"]


@pytest.mark.parametrize("title", ['""', "' '", "''"])
def test_an_empty_title_is_a_config_error(tmp_path, title):
    path = tmp_path / "wbr.yaml"
    path.write_text(
        f"title: {title}\nsources: {{actuals: {{path: m.csv}}}}\nmetrics: {{a: {{}}}}\n", "utf-8"
    )
    with pytest.raises(ConfigError, match=r"wbr\.yaml:1: title: expected the deck's title"):
        load_config(path)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("WBR {flag}", "unknown placeholder {flag}"),
        ("WBR {title", "cannot fill"),
        ("WBR {week_number:%Y}", "cannot fill"),
    ],
)
def test_a_bad_subject_template_is_found_when_the_config_loads(tmp_path, subject, expected):
    with pytest.raises(ConfigError) as error:
        _load(tmp_path, f"metrics: {{a: {{}}}}\nemail: {{subject: '{subject}'}}\n")
    assert f"email.subject: {expected}" in str(error.value)
    assert "{title}, {week_number}, {week_ending}, {flags}, {flagged_blocks}" in str(error.value)


def _app_chain(length: int, deepest_first: bool) -> str:
    """App function metrics m<i> = m<i-1> + m0 over a column metric m0."""
    order = range(length, 0, -1) if deepest_first else range(1, length + 1)
    lines = [APP_SETUP + "metrics:", "  m0: {column: orders, aggf: sum}"]
    lines += [
        f"  m{i}: {{function: {{sum: [{{metric: {{name: m{i - 1}}}}}, {{metric: {{name: m0}}}}]}}}}"
        for i in order
    ]
    return "\n".join(lines) + "\n"


def test_a_deep_app_function_chain_converts_without_recursion(tmp_path):
    app_yaml, app_csv = _write_app(tmp_path, _app_chain(600, deepest_first=True))
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "wbr.yaml")
    assert result.not_converted == ()
    metrics = load_config(result.config_path).metrics
    assert metrics["m600"].formula.operands == ["m599", "m0"]


def test_an_app_function_cycle_is_listed_as_circular(tmp_path):
    config = (
        APP_SETUP + "metrics:\n  m0: {column: orders, aggf: sum}\n"
        "  a: {function: {sum: [{metric: {name: b}}, {metric: {name: m0}}]}}\n"
        "  b: {function: {sum: [{metric: {name: a}}, {metric: {name: m0}}]}}\n"
    )
    app_yaml, app_csv = _write_app(tmp_path, config)
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "wbr.yaml")
    reasons = {item.key.split(" (")[0]: item.reason for item in result.not_converted}
    assert reasons == {
        "metrics.a": "circular definition a -> b -> a",
        "metrics.b": "circular definition a -> b -> a",
    }
