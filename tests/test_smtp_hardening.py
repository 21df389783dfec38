"""SMTP against scripted servers on 127.0.0.1: the password never shows in a retry warning or an
error in any form it travels in, and a server that answers a line at a time hits a deadline."""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

from wbr.deliver.smtp import SmtpSettings, mask_secrets, send_message
from wbr.errors import DeliveryError

pytestmark = pytest.mark.e2e

USER, PASSWORD = "robot@example.com", "s3cret-Pa55-echoed"
PLAIN = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
LOGIN = base64.b64encode(PASSWORD.encode()).decode()
FORMS = (PASSWORD, PLAIN, LOGIN, PLAIN.rstrip("="), LOGIN.rstrip("="))

# command -> reply; a callable gets the socket and writes the reply itself
Script = dict[str, "str | Callable[[socket.socket], None]"]


@contextlib.contextmanager
def scripted_server(script: Script) -> Iterator[int]:
    """An SMTP server on 127.0.0.1 answering each command by its verb; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            connection.sendall(b"220 scripted ESMTP\r\n")
            lines = connection.makefile("rb")
            in_data = False
            for raw in lines:
                line = raw.decode("ascii", "replace").rstrip("\r\n")
                if in_data:
                    in_data = line != "."
                    if in_data:
                        continue
                    verb = "."
                else:
                    verb = line.split(" ", 1)[0].upper()
                reply = script.get(verb, "250 OK")
                if callable(reply):
                    reply(connection)
                else:
                    connection.sendall(reply.encode() + b"\r\n")
                in_data = verb == "DATA" and str(reply).startswith("354")
                if verb == "QUIT" or stop.is_set():
                    return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def _settings(port: int, **env: str) -> SmtpSettings:
    return SmtpSettings.from_env(
        {
            "WBR_SMTP_HOST": "127.0.0.1",  # loopback: a login without TLS is allowed
            "WBR_SMTP_PORT": str(port),
            "WBR_SMTP_STARTTLS": "0",
            "WBR_SMTP_USER": USER,
            "WBR_SMTP_PASSWORD": PASSWORD,
            "WBR_SMTP_TIMEOUT": "5",
            **env,
        }
    )


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = USER, "leaders@example.com", "WBR"
    message.set_content("the deck")
    return message


def test_a_busy_reply_echoing_the_password_is_masked_in_every_retry_warning(caplog):
    """Issue 10, defect 8: the 4xx text went into the 'retry 1 of 3' lines as it was."""
    echo = f"451 4.7.1 try later, session {USER}:{PASSWORD} auth {PLAIN} login {LOGIN}"
    script: Script = {"EHLO": "250-scripted\r\n250 AUTH PLAIN", "AUTH": "235 OK", "MAIL": echo}
    caplog.set_level(logging.DEBUG)
    delays: list[float] = []
    with scripted_server(script) as port, pytest.raises(DeliveryError) as caught:
        send_message(_message(), _settings(port), attempts=3, sleep=delays.append)
    assert delays == [2.0, 4.0]
    warnings = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(warnings) == 2 and all("try later, session" in w for w in warnings)
    for text in [*warnings, str(caught.value)]:
        assert text.count("***") == 3
        for form in FORMS:
            assert form not in text


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_rejected_login_echoing_the_auth_line_hides_its_base64(mechanism):
    """Issue 10, defect 8: a 535 reply quoting `AUTH PLAIN <base64>` showed the password."""
    sent = PLAIN if mechanism == "PLAIN" else LOGIN
    rejected = f"535 5.7.8 rejected: AUTH {mechanism} {sent}"

    def login_step(connection: socket.socket) -> None:
        connection.sendall(
            (rejected if mechanism == "PLAIN" else "334 UGFzc3dvcmQ6").encode() + b"\r\n"
        )

    script: Script = {"EHLO": f"250-scripted\r\n250 AUTH {mechanism}", "AUTH": login_step}
    if mechanism == "LOGIN":  # AUTH LOGIN <user> -> 334 Password: -> <password> -> 535
        script[LOGIN.upper()] = rejected
    with scripted_server(script) as port, pytest.raises(DeliveryError) as caught:
        send_message(_message(), _settings(port), sleep=pytest.fail)
    text = str(caught.value)
    assert "authentication failed" in text and "535 5.7.8 rejected: AUTH" in text
    assert "***" in text
    for form in FORMS:
        assert form not in text


def test_mask_secrets_covers_whitespace_the_reply_collapsed():
    settings = SmtpSettings("h", 25, user=USER, password="two  spaces\there")
    assert mask_secrets("550 bad two spaces here", settings) == "550 bad ***"


def test_a_server_answering_a_line_a_second_hits_the_attempts_deadline():
    """Issue 10, defect 9: one EHLO line a second kept `send` running for minutes."""

    def drip(connection: socket.socket) -> None:
        for _ in range(60):  # a 250- continuation line every 0.2 s, never the last line
            connection.sendall(b"250-still thinking\r\n")
            time.sleep(0.2)

    with scripted_server({"EHLO": drip}) as port:
        settings = _settings(port, WBR_SMTP_TIMEOUT="1", WBR_SMTP_DEADLINE="1.5")
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            send_message(_message(), settings, sleep=pytest.fail)
        elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 4
    assert str(caught.value) == (
        f"127.0.0.1:{port}: no complete answer within 1.5 s (the deadline of one attempt, "
        "WBR_SMTP_DEADLINE); the server is too slow"
    )


def test_a_greeting_that_drips_hits_the_deadline_too():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def drip_greeting() -> None:
        connection, _ = listener.accept()
        with connection, contextlib.suppress(OSError):
            for _ in range(30):
                connection.sendall(b"220-welcome\r\n")
                time.sleep(0.2)

    thread = threading.Thread(target=drip_greeting, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="no complete answer within 1 s"):
            send_message(_message(), _settings(port, WBR_SMTP_DEADLINE="1"), sleep=pytest.fail)
        assert time.monotonic() - started < 3
    finally:
        listener.close()
        thread.join()


def test_the_deadline_defaults_to_four_timeouts_and_must_be_positive():
    assert _settings(25, WBR_SMTP_TIMEOUT="3").deadline == 12.0
    assert _settings(25).deadline == 20.0
    with pytest.raises(DeliveryError, match="WBR_SMTP_DEADLINE: expected seconds"):
        _settings(25, WBR_SMTP_DEADLINE="0")
