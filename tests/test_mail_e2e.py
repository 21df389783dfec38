"""The emailed deck end to end: real SMTP servers (aiosmtpd on 127.0.0.1), STARTTLS with a
certificate made at test time, AUTH PLAIN and LOGIN, refusals, retries, real kaleido charts, and
send_report on the bundled sample."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import re
import socket
import struct
import subprocess
import threading
import traceback
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.synthetic_deck import make_deck
from wbr.deliver.mail import (
    HTML_BODY_LIMIT,
    SmtpSettings,
    build_message,
    chart_blocks,
    render_charts,
    send_message,
    send_report,
)
from wbr.engine.config import load_config, parse_config
from wbr.errors import DeliveryError
from wbr.render.report import DECK_JSON_NAME, HTML_NAME

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "wbr.yaml"
USER, PASSWORD = "robot@example.com", "Pa55-w0rd-never-shown"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every message; the first `refuse` DATA commands get a 451."""

    def __init__(self, refuse: int = 0):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Mail server temporarily busy, try again"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 2.0.0 OK"


def _start(handler, **smtp_options) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **smtp_options)
    controller.start()
    return controller


@pytest.fixture
def inbox():
    """A plain SMTP server with no TLS or login, like a local relay."""
    handler = Inbox()
    controller = _start(handler)
    handler.port = controller.port
    yield handler
    controller.stop()


def _plain_env(port: int) -> dict[str, str]:
    return {
        "WBR_SMTP_HOST": "127.0.0.1",
        "WBR_SMTP_PORT": str(port),
        "WBR_SMTP_STARTTLS": "0",
        "WBR_SMTP_FROM": "WBR <wbr@example.com>",
        "WBR_SMTP_TIMEOUT": "10",
    }


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl; the venv has no `cryptography`)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key),
            "-out", str(cert), "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _secure_server(certificate, mechanism: str | None = None):
    """A server that requires STARTTLS and a login (only `mechanism`, when given)."""
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, used, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        handler.mechanisms.append(used)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd replies

    handler = Inbox()
    handler.mechanisms = []
    excluded = [m for m in ("PLAIN", "LOGIN") if mechanism and m != mechanism]
    controller = _start(
        handler,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
        auth_exclude_mechanism=excluded,
    )
    return handler, controller


def _secure_env(port: int, cert: Path, password: str = PASSWORD) -> dict[str, str]:
    return {
        "WBR_SMTP_HOST": "127.0.0.1",
        "WBR_SMTP_PORT": str(port),
        "WBR_SMTP_USER": USER,
        "WBR_SMTP_PASSWORD": password,
        "WBR_SMTP_CAFILE": str(cert),
        "WBR_SMTP_TIMEOUT": "10",
    }


def _config():
    return parse_config(
        "title: Acme Retail WBR\nsources: {actuals: {path: m.csv}}\nmetrics: {orders: {}}\n"
    )


def _small_message(tmp_path: Path, to=("leaders@example.com",), sender=USER):
    deck_file = tmp_path / "deck.html"
    deck_file.write_text("<!DOCTYPE html><p>deck</p>", encoding="utf-8")
    return build_message(make_deck(), deck_file, _config(), list(to), sender)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def _structure(message) -> tuple:
    """(type, [children]) tree of a parsed message."""
    if message.is_multipart():
        return (message.get_content_type(), [_structure(p) for p in message.iter_parts()])
    return message.get_content_type()


def _check_arrived_intact(received, deck_bytes: bytes) -> dict[str, bytes]:
    """Structure mixed > alternative > (plain, related > (html, png...)) + the deck; every cid
    resolves and every image is shown; returns the images by cid."""
    kind, (alternative, attachment) = _structure(received)
    assert kind == "multipart/mixed" and attachment == "text/html"
    assert alternative[0] == "multipart/alternative"
    plain, related = alternative[1]
    assert plain == "text/plain" and related[0] == "multipart/related"
    html_type, *images = related[1]
    assert html_type == "text/html" and set(images) <= {"image/png"}

    related_part = received.get_payload()[0].get_payload()[1]
    html = related_part.get_payload()[0].get_content()
    by_cid = {
        part["Content-ID"].strip("<>"): part.get_payload(decode=True)
        for part in related_part.iter_parts()
        if part.get_content_type() == "image/png"
    }
    assert set(re.findall(r'src="cid:([^"]+)"', html)) == set(by_cid)
    deck_part = received.get_payload()[1]
    assert deck_part.get_content_disposition() == "attachment"
    assert deck_part.get_payload(decode=True) == deck_bytes
    return by_cid


def test_message_with_real_charts_arrives_intact(inbox, tmp_path):
    deck = make_deck()
    numbers = chart_blocks(deck)
    charts = render_charts(deck, numbers)
    assert list(charts) == numbers
    assert all(_png_size(png) == (960, 360) for png in charts.values())
    deck_file = tmp_path / "deck.html"
    deck_file.write_bytes("<!DOCTYPE html>\n<p>Déck ▲</p>\r\n".encode() * 1000)
    message = build_message(
        deck, deck_file, _config(), ["leaders@example.com"], "wbr@example.com", charts
    )
    send_message(message, SmtpSettings.from_env(_plain_env(inbox.port)), sleep=pytest.fail)

    (received,) = inbox.messages
    assert inbox.envelopes == [("wbr@example.com", ["leaders@example.com"])]
    images = _check_arrived_intact(received, deck_file.read_bytes())
    assert sorted(images.values()) == sorted(charts.values())


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_and_login_against_a_server_that_requires_them(certificate, tmp_path, mechanism):
    handler, controller = _secure_server(certificate, mechanism)
    try:
        settings = SmtpSettings.from_env(_secure_env(controller.port, certificate[0]))
        assert settings.starttls and settings.sender == USER
        send_message(_small_message(tmp_path), settings, sleep=pytest.fail)
    finally:
        controller.stop()
    assert handler.mechanisms == [mechanism]
    (received,) = handler.messages
    assert received["From"] == USER


def test_without_the_ca_file_the_self_signed_certificate_is_refused(certificate, tmp_path):
    handler, controller = _secure_server(certificate)
    env = _secure_env(controller.port, certificate[0])
    del env["WBR_SMTP_CAFILE"]
    try:
        with pytest.raises(DeliveryError) as caught:
            send_message(_small_message(tmp_path), SmtpSettings.from_env(env), sleep=pytest.fail)
    finally:
        controller.stop()
    assert str(caught.value).startswith(f"127.0.0.1:{controller.port}: TLS certificate not trusted")
    assert "WBR_SMTP_CAFILE" in str(caught.value)
    assert handler.messages == []


def _all_text(error: BaseException) -> str:
    """The exception, its whole __cause__/__context__ chain and traceback, as text."""
    return "".join(traceback.format_exception(error))


def test_rejected_login_is_one_clear_line_without_the_password(certificate, tmp_path, caplog):
    handler, controller = _secure_server(certificate)
    wrong = "Wr0ng-Pa55-should-not-leak"
    settings = SmtpSettings.from_env(_secure_env(controller.port, certificate[0], password=wrong))
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(DeliveryError) as caught:
            send_message(_small_message(tmp_path), settings, sleep=pytest.fail)
    finally:
        controller.stop()
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"127.0.0.1:{controller.port}: authentication failed for user ")
    assert "535" in text
    secrets = [
        wrong,
        base64.b64encode(wrong.encode()).decode(),
        base64.b64encode(f"\0{USER}\0{wrong}".encode()).decode(),
    ]
    for secret in secrets:
        assert secret not in _all_text(caught.value)
        assert secret not in caplog.text
        assert secret not in repr(settings)
    assert handler.messages == []


def test_no_server_listening_fails_at_once_with_host_and_port(tmp_path):
    port = _free_port()
    settings = SmtpSettings.from_env(_plain_env(port))
    with pytest.raises(DeliveryError) as caught:
        send_message(_small_message(tmp_path), settings, sleep=pytest.fail)
    assert str(caught.value).startswith(f"127.0.0.1:{port}: connection refused")


def test_a_server_that_never_answers_times_out(tmp_path):
    with socket.socket() as silent:  # accepts connections in its backlog, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        settings = SmtpSettings.from_env({**_plain_env(port), "WBR_SMTP_TIMEOUT": "0.5"})
        with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{port}: no answer within 0\.5 s"):
            send_message(_small_message(tmp_path), settings, sleep=pytest.fail)


def test_a_server_that_stops_answering_mid_session_times_out(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        stop = threading.Event()

        def greet_then_hang():
            connection, _ = server.accept()
            with connection:
                connection.sendall(b"220 hello\r\n")
                stop.wait(5)

        thread = threading.Thread(target=greet_then_hang, daemon=True)
        thread.start()
        settings = SmtpSettings.from_env({**_plain_env(port), "WBR_SMTP_TIMEOUT": "0.5"})
        try:
            with pytest.raises(DeliveryError, match=rf"{port}: no answer within 0\.5 s"):
                send_message(_small_message(tmp_path), settings, sleep=pytest.fail)
        finally:
            stop.set()
            thread.join()


def test_a_busy_server_is_retried_with_backoff_then_delivers(inbox, tmp_path, caplog):
    inbox.refuse = 2
    delays: list[float] = []
    settings = SmtpSettings.from_env(_plain_env(inbox.port))
    send_message(_small_message(tmp_path), settings, first_delay=0.5, sleep=delays.append)
    assert delays == [0.5, 1.0]
    assert len(inbox.messages) == 1
    assert caplog.text.count("451 4.3.0 Mail server temporarily busy") == 2


def test_a_server_that_stays_busy_gives_up_after_the_attempts(inbox, tmp_path):
    inbox.refuse = 10
    delays: list[float] = []
    settings = SmtpSettings.from_env(_plain_env(inbox.port))
    with pytest.raises(DeliveryError) as caught:
        send_message(_small_message(tmp_path), settings, attempts=3, sleep=delays.append)
    assert delays == [2.0, 4.0]
    assert str(caught.value) == (
        f"127.0.0.1:{inbox.port}: message refused: 451 4.3.0 Mail server temporarily busy, "
        "try again (gave up after 3 attempts)"
    )
    assert inbox.messages == []


def test_starttls_asked_of_a_server_without_it_is_a_clear_error(inbox, tmp_path):
    env = {**_plain_env(inbox.port), "WBR_SMTP_STARTTLS": "1"}
    with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{inbox.port}: .*STARTTLS"):
        send_message(_small_message(tmp_path), SmtpSettings.from_env(env), sleep=pytest.fail)


# ---------------------------------------------------------------- the sample, end to end


def test_send_report_on_the_sample(inbox, tmp_path):
    """One render of the bundled sample: a failed send keeps it, a dry run and a real send
    reuse it, and both messages carry the deck byte for byte."""
    reports = tmp_path / "reports"
    week = load_config(SAMPLE).week_ending  # 'latest'
    refused = {**_plain_env(_free_port())}
    notes: list[str] = []
    with pytest.raises(DeliveryError, match="connection refused"):
        send_report(SAMPLE, week, reports_dir=reports, progress=notes.append, environ=refused)
    assert any("rendering it" in n for n in notes)
    (report,) = [p for p in reports.iterdir() if not p.name.startswith(".")]
    deck_bytes = (report / HTML_NAME).read_bytes()  # the rendered report is kept
    assert (report / DECK_JSON_NAME).is_file()

    notes.clear()
    eml = send_report(
        SAMPLE, dry_run=tmp_path / "week.eml", reports_dir=reports, progress=notes.append,
        environ={},
    )  # fmt: skip
    assert eml == tmp_path / "week.eml"
    assert not any("rendering" in n for n in notes)
    preview = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    images = _check_arrived_intact(preview, deck_bytes)
    assert preview["To"] == "leaders@example.com"  # email.to of wbr.yaml
    assert preview["From"] == "wbr@localhost"
    html = preview.get_body(preferencelist=("html",)).get_content()
    assert len(html.encode()) <= HTML_BODY_LIMIT
    assert len(images) == len(chart_blocks(_deck_of(report)))
    assert re.match(
        r"Acme Retail WBR: week \d+ ending \d{4}-\d\d-\d\d \(\d+ flags\)", preview["Subject"]
    )

    assert send_report(SAMPLE, recipients=["cfo@example.com"], reports_dir=reports,
                       environ=_plain_env(inbox.port)) is None  # fmt: skip
    (received,) = inbox.messages
    assert received["To"] == "cfo@example.com"
    _check_arrived_intact(received, deck_bytes)


def _deck_of(report: Path):
    from wbr.engine.deck import Deck

    return Deck.read_json(report / DECK_JSON_NAME)
