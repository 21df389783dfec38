"""SMTP delivery of a built message: settings from WBR_SMTP_* environment variables, TLS, login,
and retries of transient failures.

Transient failures (4xx replies, a reset or dropped connection, a temporary DNS failure) are retried
with exponential backoff; anything else (connection refused, authentication failure, timeout, TLS)
ends at once in a DeliveryError of one line naming host:port and what failed. Each attempt has a
total deadline besides the per-read timeout, so a server that answers one byte at a time cannot
keep it going. The password never appears in a repr, an error, an exception chain or a log line,
as typed or in the base64 forms that AUTH PLAIN and AUTH LOGIN send (a server may echo them).
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import logging
import math
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from wbr.errors import DeliveryError

logger = logging.getLogger(__name__)

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(environ: Mapping[str, str], name: str) -> bool | None:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise DeliveryError(f"{name}: expected 1 or 0, got {environ[name]!r}")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: host, port, TLS mode, login. The password never shows in a repr."""

    host: str
    port: int
    sender: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    ssl: bool = False
    cafile: Path | None = None
    timeout: float = 30.0
    deadline: float = 120.0  # seconds one whole attempt may take

    @property
    def address(self) -> str:
        """'smtp.example.com:587'."""
        return f"{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """Settings from WBR_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, _SSL, _FROM, _CAFILE,
        _TIMEOUT, _DEADLINE. STARTTLS is on unless SSL is; the port defaults to 465 (SSL), 587 or
        25; the deadline of an attempt to 4 times the timeout."""
        host = environ.get("WBR_SMTP_HOST", "").strip()
        if not host:
            raise DeliveryError(
                "WBR_SMTP_HOST is not set: export WBR_SMTP_HOST (and WBR_SMTP_PORT, "
                "WBR_SMTP_USER, WBR_SMTP_PASSWORD, WBR_SMTP_FROM), or use --dry-run FILE.eml"
            )
        use_ssl = bool(_flag(environ, "WBR_SMTP_SSL"))
        starttls = _flag(environ, "WBR_SMTP_STARTTLS")
        if use_ssl and starttls:
            raise DeliveryError(
                "WBR_SMTP_SSL=1 and WBR_SMTP_STARTTLS=1: choose one (SSL for port 465, "
                "STARTTLS for 587)"
            )
        starttls = (not use_ssl) if starttls is None else starttls
        port_text = environ.get("WBR_SMTP_PORT", "").strip()
        if port_text:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise DeliveryError(f"WBR_SMTP_PORT: expected a port number, got {port_text!r}")
            port = int(port_text)
        else:
            port = 465 if use_ssl else 587 if starttls else 25
        timeout = _seconds(environ, "WBR_SMTP_TIMEOUT", 30.0)
        deadline = _seconds(environ, "WBR_SMTP_DEADLINE", DEADLINE_TIMEOUTS * timeout)
        user = environ.get("WBR_SMTP_USER", "").strip() or None
        password = environ.get("WBR_SMTP_PASSWORD") or None
        # smtplib encodes the login as ASCII; its UnicodeEncodeError would carry the password
        if user and not user.isascii():
            raise DeliveryError(
                f"WBR_SMTP_USER: {user!r} has non-ASCII characters; SMTP logins are ASCII-only"
            )
        if password and not password.isascii():
            raise DeliveryError(
                "WBR_SMTP_PASSWORD has non-ASCII characters; SMTP logins are ASCII-only "
                "(the password is not shown)"
            )
        sender = environ.get("WBR_SMTP_FROM", "").strip() or None
        if sender is None and user and "@" in user:
            sender = user  # Gmail, Office 365: the login is the address
        cafile = environ.get("WBR_SMTP_CAFILE", "").strip()
        if cafile and not Path(cafile).is_file():
            raise DeliveryError(f"WBR_SMTP_CAFILE: {cafile}: file not found")
        return cls(
            host=host,
            port=port,
            sender=sender,
            user=user,
            password=password,
            starttls=starttls,
            ssl=use_ssl,
            cafile=Path(cafile) if cafile else None,
            timeout=timeout,
            deadline=deadline,
        )


DEADLINE_TIMEOUTS = 4  # an attempt's default deadline, in WBR_SMTP_TIMEOUTs


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """A positive, finite number of seconds from the environment, or the default when unset."""
    text = environ.get(name, "").strip()
    try:
        seconds = float(text) if text else default
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise DeliveryError(f"{name}: expected seconds (a number above 0), got {text!r}")
    return seconds


def _secret_forms(settings: SmtpSettings) -> list[str]:
    """The password as typed, as a reply would show it, and as AUTH PLAIN and LOGIN send it."""
    password = settings.password
    if not password:
        return []
    plain = f"\0{settings.user or ''}\0{password}".encode()
    forms = {password, " ".join(password.split())}
    for raw in (password.encode(), plain):
        encoded = base64.b64encode(raw).decode("ascii")
        forms |= {encoded, encoded.rstrip("=")}
    return sorted((form for form in forms if form), key=len, reverse=True)


def mask_secrets(text: str, settings: SmtpSettings) -> str:
    """The text with the password replaced by *** in every form it could be echoed in."""
    for form in _secret_forms(settings):
        text = text.replace(form, "***")
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


def _classify(error: BaseException, settings: SmtpSettings) -> tuple[str, bool]:
    """(what failed, transient?) for one failed attempt."""
    if isinstance(error, _DeadlinePassed):
        return (
            f"no complete answer within {settings.deadline:g} s (the deadline of one attempt, "
            "WBR_SMTP_DEADLINE); the server is too slow",
            False,
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"authentication failed for user {settings.user!r} "
            f"({_reply(error.smtp_code, error.smtp_error)}); check WBR_SMTP_USER and "
            "WBR_SMTP_PASSWORD (Gmail and Office 365 need an app password)",
            False,
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"the server refused: {error}", False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        refused = "; ".join(f"{r} ({_reply(c, m)})" for r, (c, m) in error.recipients.items())
        return f"recipients refused: {refused}", all(400 <= c < 500 for c in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        stage = {
            smtplib.SMTPSenderRefused: "sender refused",
            smtplib.SMTPDataError: "message refused",
            smtplib.SMTPConnectError: "greeting refused",
            smtplib.SMTPHeloError: "EHLO refused",
        }.get(type(error), "server replied")
        return f"{stage}: {_reply(error.smtp_code, error.smtp_error)}", 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPServerDisconnected) and isinstance(
        error.__context__, TimeoutError
    ):  # smtplib reports a read timeout mid-session as a disconnect
        return f"no answer within {settings.timeout:g} s (timed out)", False
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({error})", True
    if isinstance(error, ConnectionRefusedError):
        return (
            "connection refused (is an SMTP server listening there? check WBR_SMTP_HOST and "
            "WBR_SMTP_PORT)",
            False,
        )
    if isinstance(error, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
        return f"the connection was reset ({error.strerror or type(error).__name__})", True
    if isinstance(error, TimeoutError):
        return f"no answer within {settings.timeout:g} s (timed out)", False
    if isinstance(error, socket.gaierror):
        if error.errno == socket.EAI_AGAIN:
            return f"temporary DNS failure looking up {settings.host!r}", True
        return f"host name {settings.host!r} not found ({error.strerror})", False
    if isinstance(error, ssl.SSLCertVerificationError):
        return (
            f"TLS certificate not trusted ({error.verify_message}); if the server uses a private "
            "CA, set WBR_SMTP_CAFILE to its certificate",
            False,
        )
    if isinstance(error, ssl.SSLError):
        return (
            f"TLS failed ({error.reason or error}); check WBR_SMTP_SSL and WBR_SMTP_STARTTLS",
            False,
        )
    if isinstance(error, smtplib.SMTPException):
        return f"SMTP error ({error})", False
    if isinstance(error, OSError):
        return f"network error ({error.strerror or error})", False
    raise error


class _DeadlinePassed(Exception):
    """One attempt ran past its deadline (its connection was shut down)."""


class _Deadline:
    """Shuts down a client's connection when an attempt runs past its deadline.

    smtplib's timeout bounds each read; a server that sends a line a second never trips it. A
    timer thread shuts the socket down instead, which ends the read or write that is waiting.
    """

    def __init__(self, seconds: float) -> None:
        self.passed = False
        self._client: smtplib.SMTP | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            # the client's current socket (TLS after STARTTLS), else the one being connected
            sock = getattr(self._client, "sock", None) or self._socket
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)

    def watch(self, client: smtplib.SMTP, sock: socket.socket) -> None:
        """Watch a client's new connection; close it at once if the deadline already passed."""
        with self._lock:
            self._client, self._socket = client, sock
            if self.passed:
                sock.close()
                raise _DeadlinePassed


class _Watched(smtplib.SMTP):
    """An SMTP client whose connection a _Deadline watches from the moment it is opened (the
    greeting is read inside the constructor)."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self._deadline.watch(self, sock)
        return sock


class _WatchedSMTP(_Watched, smtplib.SMTP):
    """Plain SMTP (STARTTLS optional) under a deadline."""


class _WatchedSMTPSSL(_Watched, smtplib.SMTP_SSL):
    """SMTP over TLS from the first byte under a deadline."""


def _deliver_once(message: EmailMessage, settings: SmtpSettings, deadline: _Deadline) -> dict:
    context = ssl.create_default_context(cafile=str(settings.cafile) if settings.cafile else None)
    client: smtplib.SMTP
    if settings.ssl:
        client = _WatchedSMTPSSL(
            settings.host,
            settings.port,
            timeout=settings.timeout,
            context=context,
            deadline=deadline,
        )
    else:
        client = _WatchedSMTP(
            settings.host, settings.port, timeout=settings.timeout, deadline=deadline
        )
    try:
        client.ehlo()
        if settings.starttls and not settings.ssl:
            client.starttls(context=context)
            client.ehlo()
        if settings.user:
            client.login(settings.user, settings.password or "")
        return client.send_message(message)
    finally:
        try:  # the message is already accepted: a failing QUIT must not cause a second send
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def send_message(
    message: EmailMessage,
    settings: SmtpSettings,
    *,
    attempts: int = 4,
    first_delay: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Send over SMTP; retry transient failures (4xx, reset, temporary DNS) with exponential
    backoff; DeliveryError naming host:port and what failed otherwise."""
    unencrypted = not (settings.ssl or settings.starttls)
    if settings.password and unencrypted and not _is_loopback(settings.host):
        raise DeliveryError(
            f"{settings.address}: refusing to send the password unencrypted; set "
            "WBR_SMTP_STARTTLS=1 (port 587) or WBR_SMTP_SSL=1 (port 465)"
        )
    what, transient = "", False
    for attempt in range(1, attempts + 1):
        try:
            with _Deadline(settings.deadline) as deadline:
                try:
                    refused = _deliver_once(message, settings, deadline)
                except (smtplib.SMTPException, OSError):
                    if deadline.passed:
                        raise _DeadlinePassed from None
                    raise
        except (smtplib.SMTPException, OSError, _DeadlinePassed) as error:
            what, transient = _classify(error, settings)
        else:
            if refused:
                listing = "; ".join(f"{r} ({_reply(c, m)})" for r, (c, m) in refused.items())
                what, transient = f"sent, but these recipients were refused: {listing}", False
                break
            return
        what = mask_secrets(what, settings)  # a server may echo the login in its reply
        if not transient or attempt == attempts:
            break
        delay = first_delay * 2 ** (attempt - 1)
        logger.warning(
            "%s: %s; retry %d of %d in %g s", settings.address, what, attempt, attempts - 1, delay
        )
        sleep(delay)
    what = mask_secrets(what, settings)
    tries = f" (gave up after {attempts} attempts)" if transient else ""
    # raised outside the except block: no exception chain that could carry server or login data
    raise DeliveryError(f"{settings.address}: {what}{tries}")
