"""The emailed deck without a network or a browser: message structure, subject, escaping, the
100 KB body limit, SMTP settings from the environment, and send_report's early checks."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from pathlib import Path

import pytest

import wbr.render.charts
from tests.synthetic_deck import large_deck, make_block, make_deck
from wbr.deliver.mail import (
    HTML_BODY_LIMIT,
    SmtpSettings,
    build_message,
    chart_blocks,
    flagged_by_priority,
    headline_blocks,
    render_charts,
    send_message,
    send_report,
    subject_line,
    write_eml,
)
from wbr.engine.config import parse_config
from wbr.engine.deck import Commentary, Event, Question
from wbr.errors import ConfigError, DeliveryError
from wbr.render.charts import six_twelve_figure
from wbr.render.html import block_html

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FAKE_PNG = b"\x89PNG\r\n\x1a\n fake image for block "


def _config(subject: str | None = None, to: str = "[leaders@example.com]"):
    email_line = f"email: {{to: {to}" + (f", subject: {subject!r}" if subject else "") + "}\n"
    return parse_config(
        "title: Acme Retail WBR\nsources: {actuals: {path: m.csv}}\nmetrics: {orders: {}}\n"
        + email_line
    )


def _deck_file(tmp_path: Path) -> Path:
    path = tmp_path / "deck.html"
    # not ASCII and with CRLF: the attachment must come back byte for byte
    path.write_bytes("<!DOCTYPE html>\r\n<p>Déck ▲ 47</p>\n".encode() + bytes(range(32, 127)))
    return path


def _fake_charts(deck) -> dict[int, bytes]:
    return {b.number: FAKE_PNG + str(b.number).encode() for b in deck.blocks}


def _html_part(message) -> email.message.EmailMessage:
    return message.get_body(preferencelist=("html",))


def _related_images(message) -> dict[str, bytes]:
    related = message.get_payload()[0].get_payload()[1]
    return {
        part["Content-ID"].strip("<>"): part.get_payload(decode=True)
        for part in related.iter_parts()
        if part.get_content_type() == "image/png"
    }


def test_message_is_mixed_alternative_related_with_the_deck_attached(tmp_path):
    deck = make_deck()
    deck_file = _deck_file(tmp_path)
    message = build_message(
        deck, deck_file, _config(), ["a@example.com"], "wbr@example.com", _fake_charts(deck)
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)

    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert images and all(p.get_content_type() == "image/png" for p in images)
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "acme-retail-wbr-2026-11-21.html"
    assert attachment.get_payload(decode=True) == deck_file.read_bytes()

    body = html.get_content()
    referenced = set(re.findall(r'src="cid:([^"]+)"', body))
    attached = set(_related_images(parsed))
    assert referenced == attached  # every image is shown and every cid resolves
    # the flagged blocks (2, 4) and the headlines (all outputs here) each get their own image
    assert {_related_images(parsed)[cid] for cid in attached} == set(_fake_charts(deck).values())


def test_headers_name_sender_recipients_and_the_week(tmp_path):
    deck = make_deck()
    message = build_message(
        deck, _deck_file(tmp_path), _config(), ["a@example.com", "B <b@example.com>"], "w@x.org"
    )
    assert message["To"] == "a@example.com, B <b@example.com>"
    assert message["From"] == "w@x.org"
    assert message["Subject"] == "Acme Retail WBR: week 47 ending 2026-11-21 (4 flags)"
    assert message["Message-ID"].endswith("@x.org>")
    assert message["Date"]


def test_subject_template_fills_week_and_flag_count():
    deck = make_deck()
    config = _config(subject="WBR wk {week_number} ({week_ending}): {flag_count} flagged, {title}")
    assert subject_line(deck, config) == "WBR wk 47 (2026-11-21): 2 flagged, Acme Retail WBR"


def test_subject_counts_flags_and_flagged_blocks_by_their_names():
    deck = make_deck()
    assert (sum(len(b.flags) for b in deck.blocks), sum(b.flagged for b in deck.blocks)) == (4, 2)
    config = _config(subject="{flags} flags on {flagged_blocks} blocks ({flag_count})")
    assert subject_line(deck, config) == "4 flags on 2 blocks (2)"


def test_subject_with_an_unknown_placeholder_is_a_config_error_naming_the_known_ones():
    with pytest.raises(ConfigError, match=r"email.subject.*\{week}.*\{title}, \{week_number}"):
        _config(subject="WBR {week}")


def test_a_line_break_in_the_title_cannot_start_a_new_header(tmp_path):
    deck = dataclasses.replace(make_deck(), title="Acme\nBcc: spy@example.com")
    message = build_message(deck, _deck_file(tmp_path), _config(), ["a@example.com"], "w@x.org")
    assert message["Subject"].startswith("Acme Bcc: spy@example.com: week 47")
    assert message["Bcc"] is None


@pytest.mark.parametrize(
    "address", ["not-an-address", "a@example.com\nBcc: spy@example.com", "a@x.com, b@y.com", ""]
)
def test_recipients_must_be_single_addresses(tmp_path, address):
    with pytest.raises(DeliveryError, match="is not an email address"):
        build_message(make_deck(), _deck_file(tmp_path), _config(), [address], "w@x.org")


def test_no_recipients_is_an_error(tmp_path):
    with pytest.raises(DeliveryError, match="no recipients"):
        build_message(make_deck(), _deck_file(tmp_path), _config(), [], "w@x.org")


def test_a_missing_deck_file_is_a_delivery_error(tmp_path):
    with pytest.raises(DeliveryError, match=r"missing\.html: cannot read the deck"):
        build_message(make_deck(), tmp_path / "missing.html", _config(), ["a@x.org"], "w@x.org")


def _hostile_deck():
    block = make_block(
        1,
        "orders",
        label=f"Orders {HOSTILE}",
        flagged=True,
        commentary=f"Orders fell. {HOSTILE} & <b>bold</b>",
        owner=f"Eve {HOSTILE}",
        section=f"Shop {HOSTILE}",
    )
    block = dataclasses.replace(
        block,
        events=(Event(date=block.weeks[-1].end, description=f"Promo {HOSTILE}"),),
        questions=(Question(id="Q1", severity=3, text=f"Why {HOSTILE}?"),),
        commentary=(Commentary(author=f"Eve {HOSTILE}", text=f"x {HOSTILE}", lint=(HOSTILE,)),),
        flags=tuple(dataclasses.replace(f, detail=f"{f.detail} {HOSTILE}") for f in block.flags),
    )
    return dataclasses.replace(make_deck([block]), title=f"WBR {HOSTILE}")


def test_text_from_commentary_csv_and_config_is_escaped_in_the_email_html(tmp_path):
    deck = _hostile_deck()
    message = build_message(deck, _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org")
    html = _html_part(message).get_content()
    assert "<script" not in html.lower()
    assert "<b>bold</b>" not in html
    # label, owner, section, commentary, author, lint, event, question, flag detail, title
    assert html.count(ESCAPED) >= 10


def test_the_deck_html_escapes_commentary_too():
    deck = _hostile_deck()
    html = block_html(deck, deck.blocks[0])
    assert HOSTILE not in html
    assert ESCAPED in html


def test_email_html_has_inline_styles_only_and_no_javascript(tmp_path):
    deck = make_deck()
    message = build_message(
        deck, _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org", _fake_charts(deck)
    )
    html = _html_part(message).get_content()
    assert "<style" not in html.lower()
    assert "<script" not in html.lower()
    assert "class=" not in html
    assert "javascript:" not in html.lower()
    assert re.search(r"<td style=\"[^\"]+\">", html)


def test_flagged_block_shows_reasons_commentary_questions_and_its_chart(tmp_path):
    deck = make_deck()
    charts = _fake_charts(deck)
    message = build_message(deck, _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org", charts)
    html = _html_part(message).get_content()
    plain = message.get_body(preferencelist=("plain",)).get_content()
    conversion = deck.block("conversion")
    for text in (
        "XmR outside limits: above the upper natural process limit",
        "Conversion -30 bps WoW to 3.05%.",
        "What changed in Conversion rate in wk 47?",
    ):
        assert text in plain
        assert text.replace("'", "&#x27;") in html
    assert "No commentary: this block is flagged" in html  # block 4 has none
    # conversion vs plan: arrow, value, and the verdict as a tooltip (the style attribute is
    # written after it by the CSS inliner)
    assert re.search(r'title="unfavourable"[^>]*>▼ -30 bps', html)
    images = _related_images(message)
    assert charts[conversion.number] in images.values()


def test_html_body_stays_under_the_limit_and_says_what_it_left_out(tmp_path):
    deck = large_deck(300)  # every other block flagged, 300 outputs
    charts = _fake_charts(deck)
    message = build_message(deck, _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org", charts)
    html = _html_part(message).get_content()
    assert len(html.encode("utf-8")) <= HTML_BODY_LIMIT
    notice = re.search(r"this email leaves out ([^.]+)\.", html)
    assert notice, "the body must say what it left out"
    left_out = {int(n) for n in re.findall(r"\d+", notice.group(1).split("flagged blocks")[-1])}
    shown = {int(n) for n in re.findall(r">(\d+)</span> ", html)}
    flagged = {b.number for b in deck.blocks if b.flagged}
    assert shown and left_out and shown | left_out == flagged and not shown & left_out
    # the most important flagged blocks are the ones kept
    ranked = [b.number for b in flagged_by_priority(deck)]
    assert set(ranked[: len(shown)]) == shown
    # the plain text tells the same story, and no image of a left-out block is attached
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert "leaves out" in plain
    kept_images = set(_related_images(message).values())
    assert kept_images <= {charts[n] for n in chart_blocks(deck) + sorted(shown)}
    assert len(re.findall(r'src="cid:', html)) == len(kept_images)


def test_a_small_deck_leaves_nothing_out(tmp_path):
    deck = make_deck()
    message = build_message(deck, _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org")
    html = _html_part(message).get_content()
    assert "leaves out" not in html
    assert all(f">{b.number}</span> " in html for b in deck.blocks if b.flagged)


def test_a_very_long_commentary_is_clipped_in_the_email(tmp_path):
    block = make_block(1, flagged=True, commentary="word " * 30_000)
    message = build_message(make_deck([block]), _deck_file(tmp_path), _config(), ["a@x"], "w@x")
    html = _html_part(message).get_content()
    assert "the full text is in the attached deck" in html
    assert len(html.encode()) < 20_000


def test_headlines_are_outputs_and_charts_go_to_headlines_then_flagged_by_priority():
    blocks = [
        dataclasses.replace(make_block(1, "a", flagged=True), kind="input"),
        dataclasses.replace(make_block(2, "b"), kind="input"),
        make_block(3, "c"),
        dataclasses.replace(make_block(4, "d", flagged=True), kind="input"),
    ]
    deck = make_deck(blocks)
    assert [b.number for b in headline_blocks(deck)] == [3]
    assert chart_blocks(deck) == [3, 1, 4]
    assert chart_blocks(deck, limit=2) == [3, 1]
    inputs_only = make_deck([dataclasses.replace(b, kind="input") for b in blocks])
    assert [b.number for b in headline_blocks(inputs_only)] == [1, 2, 3, 4]


def test_render_charts_draws_the_decks_own_figures(monkeypatch):
    deck = make_deck()
    drawn = []

    def fake_static_png(figures):
        drawn.extend(figures)
        return [FAKE_PNG + bytes([i]) for i in range(len(figures))]

    monkeypatch.setattr(wbr.render.charts, "static_png", fake_static_png)
    images = render_charts(deck, [2, 4])
    assert list(images) == [2, 4]
    assert [f.to_json() for f in drawn] == [
        six_twelve_figure(deck.blocks[1]).to_json(),
        six_twelve_figure(deck.blocks[3]).to_json(),
    ]
    with pytest.raises(DeliveryError, match="no block numbered 99"):
        render_charts(deck, [99])


def test_write_eml_is_atomic_and_parses_back(tmp_path):
    message = build_message(make_deck(), _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org")
    path = write_eml(message, tmp_path / "out" / "week.eml")
    assert sorted(p.name for p in path.parent.iterdir()) == ["week.eml"]
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == message["Subject"]


# ---------------------------------------------------------------- SMTP settings

ENV = {
    "WBR_SMTP_HOST": "smtp.example.com",
    "WBR_SMTP_USER": "wbr@example.com",
    "WBR_SMTP_PASSWORD": "s3cret-app-password",
}


def test_settings_default_to_starttls_on_587_and_the_login_as_sender():
    settings = SmtpSettings.from_env(ENV)
    assert (settings.host, settings.port, settings.starttls, settings.ssl) == (
        "smtp.example.com",
        587,
        True,
        False,
    )
    assert settings.sender == "wbr@example.com"
    assert settings.address == "smtp.example.com:587"


def test_settings_ssl_means_port_465_without_starttls():
    settings = SmtpSettings.from_env({**ENV, "WBR_SMTP_SSL": "1", "WBR_SMTP_FROM": "W <w@x.org>"})
    assert (settings.port, settings.starttls, settings.ssl, settings.sender) == (
        465,
        False,
        True,
        "W <w@x.org>",
    )


def test_settings_plain_relay_on_port_25():
    settings = SmtpSettings.from_env({"WBR_SMTP_HOST": "relay", "WBR_SMTP_STARTTLS": "0"})
    assert (settings.port, settings.starttls, settings.user, settings.sender) == (
        25,
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "WBR_SMTP_HOST is not set"),
        ({**ENV, "WBR_SMTP_PORT": "smtp"}, "WBR_SMTP_PORT: expected a port number, got 'smtp'"),
        ({**ENV, "WBR_SMTP_PORT": "70000"}, "WBR_SMTP_PORT: expected a port number"),
        ({**ENV, "WBR_SMTP_STARTTLS": "maybe"}, "WBR_SMTP_STARTTLS: expected 1 or 0, got 'maybe'"),
        ({**ENV, "WBR_SMTP_SSL": "1", "WBR_SMTP_STARTTLS": "1"}, "choose one"),
        ({**ENV, "WBR_SMTP_CAFILE": "/nonexistent/ca.pem"}, "WBR_SMTP_CAFILE: /nonexistent"),
        ({**ENV, "WBR_SMTP_TIMEOUT": "soon"}, "WBR_SMTP_TIMEOUT: expected seconds"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(DeliveryError, match=re.escape(message)):
        SmtpSettings.from_env(env)


def test_settings_repr_hides_the_password():
    settings = SmtpSettings.from_env(ENV)
    assert settings.password == ENV["WBR_SMTP_PASSWORD"]
    assert ENV["WBR_SMTP_PASSWORD"] not in repr(settings)
    assert ENV["WBR_SMTP_PASSWORD"] not in str(settings)


def test_a_password_is_never_sent_unencrypted_to_a_remote_host(tmp_path):
    settings = SmtpSettings.from_env({**ENV, "WBR_SMTP_STARTTLS": "0"})
    message = build_message(make_deck(), _deck_file(tmp_path), _config(), ["a@x.org"], "w@x.org")
    with pytest.raises(
        DeliveryError, match=r"smtp\.example\.com:25: refusing to send the password"
    ):
        send_message(message, settings, sleep=pytest.fail)


# ---------------------------------------------------------------- send_report's early checks


def test_send_report_without_recipients_says_how_to_give_them(business, tmp_path):
    with pytest.raises(DeliveryError, match=r"no recipients: give --to ADDR or set email\.to"):
        send_report(business, reports_dir=tmp_path / "reports", environ=ENV)
    assert not (tmp_path / "reports").exists()


def test_send_report_checks_smtp_settings_before_rendering(business, tmp_path):
    with pytest.raises(DeliveryError, match="WBR_SMTP_HOST is not set"):
        send_report(business, recipients=["a@x.org"], reports_dir=tmp_path / "r", environ={})
    no_sender = {"WBR_SMTP_HOST": "relay", "WBR_SMTP_USER": "robot"}
    with pytest.raises(DeliveryError, match="WBR_SMTP_FROM is not set"):
        send_report(business, recipients=["a@x.org"], reports_dir=tmp_path / "r", environ=no_sender)
    assert not (tmp_path / "r").exists()
