"""Adversarial review of the email path (wbr/deliver/: mail, summary, smtp; `wbr send`) and
the WBR App importer (wbr/importers/wbr_app.py, wbr_app_data.py, `wbr import-wbr-app`).

Each test states what a user should get; each failed when it was written (see the review report).
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import wbr.deliver.mail
from tests.synthetic_deck import make_deck
from wbr.cli import main
from wbr.deliver.mail import (
    SmtpSettings,
    build_message,
    send_message,
    send_report,
    write_eml,
)
from wbr.engine.config import load_config, parse_config
from wbr.engine.sources import load_data
from wbr.errors import ConfigError, DeliveryError, WbrError
from wbr.importers.wbr_app import convert_wbr_app, report_lines
from wbr.render.report import DECK_JSON_NAME, HTML_NAME

# ---------------------------------------------------------------- helpers


def _config(subject: str | None = None):
    text = "title: Acme Retail WBR\nsources: {actuals: {path: m.csv}}\nmetrics: {orders: {}}\n"
    if subject:
        text += f"email: {{subject: {subject!r}}}\n"
    return parse_config(text)


def _deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "deck.html"
    path.write_text("<!DOCTYPE html><p>deck</p>", encoding="utf-8")
    return path


# ---------------------------------------------------------------- `wbr send`


def test_dry_run_with_an_empty_file_name_never_sends(monkeypatch, capsys):
    """`wbr send --dry-run "$EML"` with EML unset must not turn into a real send."""
    calls = []
    monkeypatch.setattr(wbr.deliver.mail, "send_report", lambda *a, **k: calls.append(k))
    code = main(["send", "--dry-run", "", "--to", "a@example.com"])
    assert [c for c in calls if c["dry_run"] is None] == [], "a dry run was sent for real"
    assert code == 2
    assert "--dry-run" in capsys.readouterr().err


@pytest.mark.parametrize("template", ["WBR {title.name}", "WBR {flag_count[0]}"])
def test_a_subject_template_with_attribute_or_index_is_a_config_error_at_load(template):
    with pytest.raises(ConfigError, match=r"email\.subject: cannot fill"):
        _config(subject=template)


@pytest.mark.parametrize("timeout", ["-1", "0", "nan", "inf"])
def test_an_unusable_timeout_names_the_variable_before_anything_is_rendered(timeout):
    # today these pass from_env and fail at connect time with ValueError/OverflowError (traceback)
    env = {"WBR_SMTP_HOST": "smtp.example.com", "WBR_SMTP_TIMEOUT": timeout}
    with pytest.raises(DeliveryError, match="WBR_SMTP_TIMEOUT"):
        SmtpSettings.from_env(env)


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\x0b", "\x1c"])
def test_a_recipient_with_a_unicode_line_separator_is_a_delivery_error(tmp_path, separator):
    address = f"Eve{separator}Smith <eve@example.com>"
    with pytest.raises(DeliveryError, match="is not an email address"):
        build_message(make_deck(), _deck_file(tmp_path), _config(), [address], "w@x.org")


def test_a_sender_on_an_internationalised_domain_can_be_previewed(tmp_path):
    message = build_message(
        make_deck(), _deck_file(tmp_path), _config(), ["a@example.com"], "wbr@bücher.de"
    )
    path = write_eml(message, tmp_path / "week.eml")
    assert "From: wbr@xn--bcher-kva.de" in path.read_text(encoding="utf-8").splitlines()


def test_a_dry_run_file_under_a_regular_file_is_a_delivery_error(tmp_path):
    message = build_message(make_deck(), _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DeliveryError, match="cannot write the message"):
        write_eml(message, blocker / "week.eml")


@pytest.mark.parametrize("content", ["{", "{}", '{"schema_version": 1}'])
def test_a_damaged_deck_json_in_an_existing_report_is_one_clear_error(business, tmp_path, content):
    reports = tmp_path / "reports"
    report = reports / "2026-11-21"
    report.mkdir(parents=True)
    (report / DECK_JSON_NAME).write_text(content, encoding="utf-8")
    (report / HTML_NAME).write_text("<p>deck</p>", encoding="utf-8")
    with pytest.raises(WbrError, match=re.escape(DECK_JSON_NAME)):
        send_report(
            business,
            "2026-11-21",
            recipients=["a@x.org"],
            dry_run=tmp_path / "week.eml",
            reports_dir=reports,
            environ={},
        )


# ---------------------------------------------------------------- SMTP against a real server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.e2e
@pytest.mark.parametrize("credential", ["password", "user"])
def test_a_non_ascii_login_is_one_clear_line_without_the_password(tmp_path, credential):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    password = "Pässwort-never-shown" if credential == "password" else "ascii-secret-9"
    user = "robot" if credential == "password" else "röbot"
    controller = Controller(
        Inbox(),
        hostname="127.0.0.1",
        port=_free_port(),
        auth_require_tls=False,  # loopback: wbr allows a login without TLS to this machine
        authenticator=lambda *args: AuthResult(success=False, handled=False),
    )
    controller.start()
    env = {
        "WBR_SMTP_HOST": "127.0.0.1",
        "WBR_SMTP_PORT": str(controller.port),
        "WBR_SMTP_STARTTLS": "0",
        "WBR_SMTP_USER": user,
        "WBR_SMTP_PASSWORD": password,
        "WBR_SMTP_FROM": "wbr@example.com",
        "WBR_SMTP_TIMEOUT": "5",
    }
    message = build_message(make_deck(), _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org")
    try:
        with pytest.raises(DeliveryError) as caught:
            send_message(message, SmtpSettings.from_env(env), sleep=pytest.fail)
    finally:
        controller.stop()
    text = str(caught.value)
    assert "\n" not in text  # a fix may also refuse it in from_env, naming the variable
    error: BaseException | None = caught.value
    while error is not None:  # no exception in the chain may carry the password
        assert password not in repr(error) and password not in repr(error.args)
        error = error.__cause__ or error.__context__


# ---------------------------------------------------------------- the WBR App importer

SETUP = """\
setup:
  week_ending: 18-JAN-2020
  title: Test deck
"""
ORDERS = "metrics:\n  Orders: {column: orders, aggf: sum}\n"


def _app_csv(columns: dict[str, object], days: int = 30) -> str:
    dates = pd.date_range("2019-12-20", periods=days, freq="D")
    return pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), **columns}).to_csv(index=False)


def _write_app(tmp_path: Path, config: str, csv_text: str, encoding: str = "utf-8"):
    app_yaml, app_csv = tmp_path / "app.yaml", tmp_path / "app.csv"
    app_yaml.write_bytes(textwrap.dedent(config).encode(encoding))
    app_csv.write_text(csv_text, encoding="utf-8")
    return app_yaml, app_csv


def test_an_app_config_that_is_not_utf8_is_a_config_error(tmp_path):
    app_yaml, app_csv = _write_app(
        tmp_path,
        SETUP.replace("Test deck", "Café deck") + ORDERS,
        _app_csv({"orders": 1}),
        "cp1252",
    )
    with pytest.raises(WbrError, match=r"app\.yaml"):
        convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")


MALFORMED = {
    "filter as a string": ORDERS + "  EU:\n    filter: \"region == 'EU'\"\n    aggf: sum\n",
    "aggf as a list": ORDERS + "  Max: {column: orders, aggf: [max]}\n",
    "operands not a list": ORDERS + "  Twice: {function: {sum: 2}}\n",
    "block metrics as a list": ORDERS
    + "deck:\n  - block:\n      ui_type: 6_12Graph\n      title: O\n      metrics: [Orders]\n",
    "line style as a string": ORDERS
    + "deck:\n  - block:\n      ui_type: 6_12Graph\n      title: O\n"
    + "      metrics:\n        Orders: primary\n",
    "table rows as names": ORDERS + "deck:\n  - block:\n      ui_type: 6_WeeksTable\n"
    "      rows: [Orders]\n",
    "deck as a number": ORDERS + "deck: 5\n",
}


# The config key each malformed shape is listed under in the import report.
MALFORMED_KEY = {
    "filter as a string": "metrics.EU",
    "aggf as a list": "metrics.Max",
    "operands not a list": "metrics.Twice",
    "block metrics as a list": "deck[0].block.metrics",
    "line style as a string": "deck[0].block.metrics.Orders",
    "table rows as names": "deck[0].block.rows[0]",
    "deck as a number": "deck",
}


@pytest.mark.parametrize("shape", list(MALFORMED))
def test_a_malformed_app_config_is_listed_as_not_converted_never_a_crash(tmp_path, shape):
    app_yaml, app_csv = _write_app(
        tmp_path, SETUP + MALFORMED[shape], _app_csv({"orders": 1, "region": "EU"})
    )
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    listed = [item.key for item in result.not_converted]
    assert any(key.startswith(MALFORMED_KEY[shape]) for key in listed), (shape, listed)
    load_data(load_config(result.config_path))  # what was converted still loads


def test_out_naming_an_existing_folder_is_a_config_error_and_writes_nothing(tmp_path):
    app_yaml, app_csv = _write_app(tmp_path, SETUP + ORDERS, _app_csv({"orders": 1}))
    (tmp_path / "converted").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WbrError, match="converted"):
        convert_wbr_app(app_yaml, app_csv, tmp_path / "converted")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_out_under_a_regular_file_is_a_config_error(tmp_path):
    app_yaml, app_csv = _write_app(tmp_path, SETUP + ORDERS, _app_csv({"orders": 1}))
    with pytest.raises(WbrError):
        convert_wbr_app(app_yaml, app_csv, tmp_path / "app.csv" / "wbr.yaml")


def test_the_default_out_never_overwrites_the_app_config_it_reads(tmp_path, monkeypatch):
    # an App config called wbr.yaml and the default --out wbr.yaml
    _write_app(tmp_path, SETUP + ORDERS, _app_csv({"orders": 1}))
    (tmp_path / "app.yaml").rename(tmp_path / "wbr.yaml")
    original = (tmp_path / "wbr.yaml").read_bytes()
    monkeypatch.chdir(tmp_path)
    code = main(["import-wbr-app", "wbr.yaml", "--data", "app.csv"])
    assert (tmp_path / "wbr.yaml").read_bytes() == original, "the App config was overwritten"
    assert code == 2


def test_an_app_csv_with_only_a_header_is_a_data_error(tmp_path):
    app_yaml, app_csv = _write_app(tmp_path, SETUP + ORDERS, "Date,orders\n")
    with pytest.raises(WbrError):
        convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")


def test_an_app_metric_named_date_converts_to_files_that_load(tmp_path):
    config = SETUP + ORDERS + "  date: {column: orders, aggf: max}\n"
    app_yaml, app_csv = _write_app(tmp_path, config, _app_csv({"orders": 1}))
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    listed = {item.key.split(" ")[0]: item for item in result.not_converted}
    assert "metrics.date" in listed, "a metric named date must be listed, not written"
    config = load_config(result.config_path)
    assert "date" not in config.metrics and "Orders" in config.metrics
    load_data(config)  # the rest of the conversion loads


def test_app_blocks_left_out_of_our_deck_are_reported(tmp_path):
    """A second App block of a metric, and an App block of a target that became a plan,
    disappear from the deck: the import report must say so (README: never drops silently)."""
    config = (
        SETUP
        + """\
metrics:
  Orders: {column: orders, aggf: sum}
  OrdersTarget: {column: orders__Target, aggf: sum}
deck:
  - block:
      ui_type: 6_12Graph
      title: Orders
      metrics: {Orders: {line_style: primary}}
  - block:
      ui_type: 6_12Graph
      title: Orders in thousands
      metrics: {Orders: {line_style: primary}}
  - block:
      ui_type: 6_12Graph
      title: Orders target
      metrics: {OrdersTarget: {line_style: primary}}
"""
    )
    app_yaml, app_csv = _write_app(tmp_path, config, _app_csv({"orders": 5, "orders__Target": 6}))
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    printed = "\n".join(report_lines(result))
    assert "everything converted" not in printed
    assert "deck[1]" in printed  # the second Orders block
    assert "OrdersTarget" in printed  # its own block became the plan line of Orders


def test_an_operand_that_is_not_defined_is_reported_as_undefined(tmp_path):
    config = (
        SETUP
        + ORDERS
        + "  Rate: {function: {divide: [{metric: {name: Orders}}, {metric: {name: Visits}}]}}\n"
    )
    app_yaml, app_csv = _write_app(tmp_path, config, _app_csv({"orders": 1}))
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    reasons = {item.key.split(" (line")[0]: item.reason for item in result.not_converted}
    assert "Visits" in reasons["metrics.Rate"]
    # today: "metrics.Visits: expected a mapping with column, filter or function" (it is absent)
    assert "expected a mapping" not in reasons.get("metrics.Visits", "")


def test_setup_title_keeps_its_text(tmp_path):
    """Control: non-ASCII titles and labels survive the import (passes today)."""
    config = SETUP.replace("Test deck", "Café ▲ deck") + ORDERS
    app_yaml, app_csv = _write_app(tmp_path, config, _app_csv({"orders": 1}))
    result = convert_wbr_app(app_yaml, app_csv, tmp_path / "out" / "wbr.yaml")
    assert load_config(result.config_path).title == "Café ▲ deck"


def test_non_ascii_subject_and_display_names_round_trip(tmp_path):
    """Control: non-ASCII subject, sender and recipient names are encoded (passes today)."""
    import email
    import email.policy

    deck = dataclasses.replace(make_deck(), title="Café ▲ WBR")
    message = build_message(
        deck, _deck_file(tmp_path), _config(), ["Zoë <zoe@example.com>"], "Jörg <w@x.org>"
    )
    raw = message.as_bytes()
    assert raw.isascii()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"].startswith("Café ▲ WBR: week")
    assert parsed["To"] == "Zoë <zoe@example.com>"
    assert os.fspath(write_eml(message, tmp_path / "w.eml")).endswith("w.eml")
