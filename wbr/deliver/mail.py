"""The emailed deck: the MIME message (plain and HTML summary, static charts, the deck attached),
and `send_report`, which renders the week's report if needed and writes or sends the message.

Email clients strip JavaScript, so the summary's charts are PNG images (the deck's own plotly
figures, drawn by kaleido) referenced by `cid:`, and the full interactive deck travels as an
attachment, byte for byte the file on disk. The summary body itself (inline styles, under 100 KB)
is composed in wbr/deliver/summary.py.

Message structure:
    multipart/mixed
      multipart/alternative
        text/plain                      the summary as text
        multipart/related
          text/html                     the summary, inline styles, <img src="cid:...">
          image/png ...                 one 6-12 chart per shown headline or flagged block
      text/html (attachment)            the full deck

Delivery (SMTP settings from WBR_SMTP_* environment variables, retries) lives in smtp.py;
SmtpSettings and send_message are re-exported here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid, parseaddr
from pathlib import Path

from wbr.deliver.smtp import SmtpSettings, send_message
from wbr.deliver.summary import (
    HTML_BODY_LIMIT,
    MAX_CHARTS,
    chart_blocks,
    flagged_by_priority,
    headline_blocks,
    summary_bodies,
)
from wbr.engine.config import Config
from wbr.engine.deck import Deck
from wbr.errors import DeliveryError

PREVIEW_SENDER = "wbr@localhost"
__all__ = [
    "HTML_BODY_LIMIT",
    "MAX_CHARTS",
    "SmtpSettings",
    "build_message",
    "chart_blocks",
    "flagged_by_priority",
    "headline_blocks",
    "render_charts",
    "send_message",
    "send_report",
    "subject_line",
    "summary_bodies",
    "write_eml",
]

Progress = Callable[[str], None]
logger = logging.getLogger(__name__)


def render_charts(deck: Deck, block_numbers: Sequence[int]) -> dict[int, bytes]:
    """PNG images of the blocks' 6-12 charts (the deck's own figures), in one browser session."""
    from wbr.render.charts import six_twelve_figure, static_png

    by_number = {b.number: b for b in deck.blocks}
    unknown = [n for n in block_numbers if n not in by_number]
    if unknown:
        raise DeliveryError(f"no block numbered {', '.join(map(str, unknown))} in the deck")
    figures = [six_twelve_figure(by_number[n]) for n in block_numbers]
    return dict(zip(block_numbers, static_png(figures), strict=True))


def subject_line(deck: Deck, config: Config) -> str:
    """The subject from email.subject: {title}, {week_number}, {week_ending}, {flags} (flags
    raised), {flagged_blocks} (blocks with a flag; {flag_count} is its old name)."""
    flagged_blocks = sum(b.flagged for b in deck.blocks)
    fields = {
        "title": deck.title,
        "week_number": deck.week_number,
        "week_ending": deck.week_ending.isoformat(),
        "flags": sum(len(b.flags) for b in deck.blocks),
        "flagged_blocks": flagged_blocks,
        "flag_count": flagged_blocks,
    }
    try:
        subject = config.email.subject.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as error:
        raise DeliveryError(
            f"email.subject: cannot fill {config.email.subject!r} ({type(error).__name__}: "
            f"{error}); the placeholders are {{{'}, {'.join(fields)}}}"
        ) from error
    return " ".join(subject.split())  # a line break in a header would end the header


# ---------------------------------------------------------------- the message


def _address(raw: str, what: str) -> str:
    """The address as given, after checking it is one address with an @ and no line breaks."""
    text = raw.strip()
    found = getaddresses([text])
    # any line break (\u2028, \x85, \x0b ... too) would end or split the header
    if len(text.splitlines()) > 1 or len(found) != 1 or "@" not in found[0][1]:
        raise DeliveryError(f"{what} {raw!r} is not an email address")
    name, addr_spec = found[0]
    local, _, domain = addr_spec.rpartition("@")
    if not local.isascii():
        raise DeliveryError(
            f"{what} {raw!r}: a non-ASCII name before the @ cannot be sent (SMTPUTF8 is not "
            "supported); use an ASCII address"
        )
    if domain.isascii():
        return text
    try:  # an internationalised domain travels as its ASCII (IDNA) form in headers
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise DeliveryError(f"{what} {raw!r}: the domain {domain!r} is not a valid name") from error
    return str(Address(display_name=name, addr_spec=f"{local}@{ascii_domain}"))


def _message_id_domain(sender: str) -> str:
    """The sender's domain in ASCII for the Message-ID; wbr.local when it has none."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "wbr.local"
    return domain or "wbr.local"


ATTACHMENT_TITLE_CHARS = 32  # a longer title is cut to its first words: the name stays short


def attachment_name(deck: Deck) -> str:
    """'acme-retail-wbr-2026-11-21.html': the title's first words in ASCII, then the week."""
    ascii_title = unicodedata.normalize("NFKD", deck.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > ATTACHMENT_TITLE_CHARS:
        cut = slug[: ATTACHMENT_TITLE_CHARS + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:ATTACHMENT_TITLE_CHARS]
    return f"{slug or 'wbr'}-{deck.week_ending.isoformat()}.html"


def build_message(
    deck: Deck,
    deck_html_path: Path,
    config: Config,
    recipients: Sequence[str],
    sender: str,
    charts: Mapping[int, bytes] | None = None,
) -> EmailMessage:
    """The week's email: plain and HTML summary (charts inline by cid), the full deck attached."""
    to = [_address(r, "recipient") for r in recipients]
    if not to:
        raise DeliveryError("no recipients: give --to ADDR or set email.to in the config")
    sender = _address(sender, "sender (WBR_SMTP_FROM)")
    try:
        deck_bytes = Path(deck_html_path).read_bytes()
    except OSError as error:
        raise DeliveryError(f"{deck_html_path}: cannot read the deck ({error.strerror})") from error
    name = attachment_name(deck)
    charts = dict(charts or {})
    cids = {n: make_msgid(f"chart-{n}", domain="wbr.local")[1:-1] for n in charts}
    html, text, shown = summary_bodies(deck, name, cids)

    message = EmailMessage()
    message["Subject"] = subject_line(deck, config)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("wbr", domain=_message_id_domain(sender))
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None  # added just above
    for number in shown:
        html_part.add_related(
            charts[number],
            maintype="image",
            subtype="png",
            cid=f"<{cids[number]}>",
            filename=f"block-{number}.png",
            disposition="inline",  # shown in the body, not listed as an attachment
        )
    message.add_attachment(deck_bytes, maintype="text", subtype="html", filename=name)
    return message


def write_eml(message: EmailMessage, path: str | Path) -> Path:
    """Write the message as an .eml file atomically (a temporary file renamed into place)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        data = message.as_bytes()
    except UnicodeError as error:
        raise DeliveryError(f"{path}: cannot encode the message ({error})") from error
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):  # no folder was made: there is no partial file
            partial.unlink(missing_ok=True)
        raise DeliveryError(
            f"{path}: cannot write the message ({error.strerror or error})"
        ) from error
    return path


# ---------------------------------------------------------------- the whole job


def _week_of(config: Config, week_ending: dt.date | str | None) -> dt.date:
    """The report's week ending: a given date as is; 'latest' (or None) resolved from the data."""
    wanted = config.week_ending if week_ending is None else week_ending
    if isinstance(wanted, dt.date):
        return wanted
    try:
        return dt.date.fromisoformat(wanted.strip())
    except ValueError:
        pass
    from wbr.engine.build import resolve_week_ending
    from wbr.engine.sources import load_data

    return resolve_week_ending(config, load_data(config), wanted)


def _read_deck(path: Path) -> Deck:
    """The report's deck.json; a damaged or older file is one error saying how to re-render."""
    try:
        return Deck.read_json(path)
    except OSError as error:
        raise DeliveryError(f"{path}: cannot read the deck ({error.strerror})") from error
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # bad JSON or fields
        raise DeliveryError(
            f"{path}: damaged or from an older wbr ({type(error).__name__}: {error}); delete "
            f"the folder {path.parent} to re-render the report"
        ) from error


def send_report(
    config_path: str | Path,
    week_ending: dt.date | str | None = "latest",
    recipients: Sequence[str] | None = None,
    dry_run: Path | None = None,
    reports_dir: str | Path = "reports",
    progress: Progress | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Path | None:
    """Email the week's report, rendering reports/<week-ending>/ first if it is not there;
    with `dry_run`, write the message to that .eml file instead and return its path."""
    from wbr.engine.config import load_config
    from wbr.render.report import DECK_JSON_NAME, HTML_NAME, run_report

    environ = os.environ if environ is None else environ
    note = progress or logger.info
    config = load_config(config_path)
    to = list(recipients) if recipients else list(config.email.to)
    if not to:
        raise DeliveryError(f"{config_path}: no recipients: give --to ADDR or set email.to")
    to = [_address(r, "recipient") for r in to]
    settings = None
    if dry_run:
        sender = environ.get("WBR_SMTP_FROM", "").strip() or PREVIEW_SENDER
    else:  # check the settings before a render that takes seconds
        settings = SmtpSettings.from_env(environ)
        if not settings.sender:
            raise DeliveryError(
                "WBR_SMTP_FROM is not set: export the sender address, e.g. "
                "WBR_SMTP_FROM=wbr@example.com"
            )
        sender = settings.sender

    week = _week_of(config, week_ending)
    report = Path(reports_dir) / week.isoformat()
    if not ((report / DECK_JSON_NAME).is_file() and (report / HTML_NAME).is_file()):
        note(f"no report for week ending {week} in {reports_dir}: rendering it")
        report = run_report(config_path, week_ending=week, out_dir=reports_dir, progress=note)
    deck = _read_deck(report / DECK_JSON_NAME)
    numbers = chart_blocks(deck)
    note(f"drawing {len(numbers)} chart images")
    charts = render_charts(deck, numbers)
    message = build_message(deck, report / HTML_NAME, config, to, sender, charts)
    if dry_run:
        path = write_eml(message, dry_run)
        note(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB); nothing was sent")
        return path
    assert settings is not None
    note(f"sending to {', '.join(to)} via {settings.address}")
    send_message(message, settings, sleep=sleep)
    note(f"sent; the report stays in {report}")
    return None
