"""Owner commentary: attach this week's explanation to each block and lint it.

Owns the commentary standard (docs/) as code: which phrases are weasel words, what
counts as a number, a date, an action, a stated cause, an "investigating" answer and a routine
verdict; and the per-metric context the question engine needs from earlier weeks (last week's text,
how many weeks running the same text has been submitted).

Lint messages (`Commentary.lint`), one per finding:
- "weasel word '<phrase>': say by how much, with a unit and a baseline"   (WEASEL_WORDS below)
- "no number: say what moved, with its unit and baseline"                  (no digit at all)
- "action without a date: '<phrase>'"   a sentence with an action (will, plan to, we are fixing,
                                         investigating...) and no date, week or quarter in it
- "same text <n> weeks running"          the author submitted identical text (ignoring case,
                                         spacing and trailing punctuation) 3 or more weeks running
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from wbr.engine.deck import Block, Commentary

REPEAT_WEEKS = 3  # identical text this many weeks running is linted (and asked about, Q35)
LOOKBACK_WEEKS = 52  # how far back the same-text streak is followed

# Adjectives and hedges that stand in for a number, a plan or a date (Amazon writing norms [WRITE]).
WEASEL_WORDS: tuple[str, ...] = (
    # an amount without a number
    "significantly", "significant", "substantially", "substantial", "considerably",
    "considerable", "dramatically", "drastically", "sharply", "massively", "hugely",
    "slightly", "somewhat", "marginally", "a bit", "a little", "a lot", "lots of",
    "nearly all", "almost all", "most of", "the majority of", "many", "several", "a few",
    "numerous", "various", "very", "quite", "fairly", "relatively",
    "much higher", "much lower", "much better", "much worse",
    # a hope instead of a plan
    "should help", "should improve", "should recover", "hopefully", "we hope",
    "might help", "may help", "could help",
    # a time without a date
    "soon", "shortly", "in the coming weeks", "in the near future", "eventually", "asap",
)  # fmt: skip

_WEASEL = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(WEASEL_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
    rf"|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}"
    r"|\b(?:wk|week)\s*\d{1,2}\b|\bw\d{1,2}\b|\bq[1-4]\b"
    rf"|\b(?:by|on|until|before|this|next)\s+{_WEEKDAY}\b"
    r"|\b(?:today|tonight|tomorrow|eod|eow|next week|this week|next month|this month"
    r"|end of (?:the )?(?:day|week|month|quarter|year))\b",
    re.IGNORECASE,
)
_ACTION_VERBS = (
    r"(?:fixing|working on|rolling out|rolling back|launching|adding|changing|updating|building|"
    r"moving|testing|reverting|hiring|deploying|migrating|investigating|looking into|reviewing)"
)
_ACTION = re.compile(
    r"\b(?:will|plan(?:s|ning)? to|going to|intends? to|aims? to|expects? to|next step"
    rf"|we are {_ACTION_VERBS}|we're {_ACTION_VERBS}|we'll|team is {_ACTION_VERBS})\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?:[^.;!?\n]|\.(?=\d))+")  # a decimal point does not end a sentence
_CAUSE = re.compile(
    r"\b(?:because(?: of)?|due to|driven by|caused by|as a result of|owing to|thanks to|"
    r"following|attributed to|attributable to|triggered by|led by|root cause(?: is|:)?)\s+"
    r"(?P<cause>(?:[^.;!?\n]|\.(?=\d))+)",
    re.IGNORECASE,
)
# Broader than _CAUSE: any sign the owner gives a reason (for "restates the number" checks only).
_REASON = re.compile(
    r"\b(?:(?:after|before|since|while|when|once)\s+(?![\d+-])\w"
    r"|hypothesis|confirmed:|explained by|(?:is|are|was|were) from)",
    re.IGNORECASE,
)
_INVESTIGATING = re.compile(
    r"\b(?:investigat\w*|looking into|under review|tbd|root cause (?:is )?(?:unknown|unclear|"
    r"not (?:yet )?known)|cause (?:is )?(?:unknown|unclear|not (?:yet )?known))",
    re.IGNORECASE,
)
_ROUTINE = re.compile(
    r"\b(?:within (?:normal|routine) variation|routine variation|normal variation|noise|"
    r"within (?:the )?(?:natural )?(?:process )?limits|no (?:further )?action)\b",
    re.IGNORECASE,
)
MAX_QUOTE = 80


def weasel_phrases(text: str) -> tuple[str, ...]:
    """The weasel words in a text, in order of appearance, as written."""
    return tuple(match.group(0) for match in _WEASEL.finditer(text))


def has_number(text: str) -> bool:
    """True when the text holds at least one digit."""
    return bool(_NUMBER.search(text))


def sentences(text: str) -> list[str]:
    """The text's sentences (a decimal point does not end one)."""
    return [part.strip() for part in _SENTENCE.findall(text) if part.strip()]


def undated_actions(text: str) -> tuple[str, ...]:
    """Action phrases ("will", "plan to", "we are fixing"...) in sentences that carry no date."""
    found = []
    for sentence in sentences(text):
        action = _ACTION.search(sentence)
        if action and not _DATE.search(sentence):
            found.append(action.group(0))
    return tuple(found)


def quote(text: str, limit: int = MAX_QUOTE) -> str:
    """Text shortened to `limit` characters on a word boundary, for quoting in a question."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "..."


def stated_cause(text: str) -> str | None:
    """The cause the text claims ("because of X", "driven by X", ...), quoted; None if none."""
    match = _CAUSE.search(text)
    return quote(match.group("cause").strip(" ,:")) if match else None


def gives_reason(text: str) -> bool:
    """True when the text offers any reason for the move (a stated cause or a looser hint)."""
    return bool(_CAUSE.search(text) or _REASON.search(text))


def investigating_phrase(text: str) -> str | None:
    """The sentence that says the cause is still being investigated, quoted; None if none."""
    for sentence in sentences(text):
        if _INVESTIGATING.search(sentence):
            return quote(sentence)
    return None


def is_routine_verdict(text: str) -> bool:
    """True when the owner says the move is routine variation (no cause needed)."""
    return bool(_ROUTINE.search(text))


def weasel_context(text: str, phrase: str) -> str:
    """The sentence holding a weasel phrase, quoted, for asking about it."""
    for sentence in sentences(text):
        if phrase.lower() in sentence.lower():
            return quote(sentence)
    return phrase


def lint_text(text: str, same_streak: int = 1) -> tuple[str, ...]:
    """Lint messages for one commentary text (see the module docstring)."""
    messages = [
        f"weasel word '{word}': say by how much, with a unit and a baseline"
        for word in dict.fromkeys(w.lower() for w in weasel_phrases(text))
    ]
    if not has_number(text):
        messages.append("no number: say what moved, with its unit and baseline")
    messages += [f"action without a date: '{action}'" for action in undated_actions(text)]
    if same_streak >= REPEAT_WEEKS:
        messages.append(f"same text {same_streak} weeks running")
    return tuple(messages)


def _normalised(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .;!")


@dataclass(frozen=True)
class MetricCommentary:
    """One metric's commentary this week, and what the questions need from earlier weeks."""

    metric: str
    current: tuple[Commentary, ...]
    previous: tuple[Commentary, ...]  # last week's commentary (lint not run)
    same_streak: int  # weeks running (this one included) an author has submitted the same text

    @property
    def investigating_last_week(self) -> str | None:
        """Last week's sentence saying the cause was being investigated, if any."""
        for item in self.previous:
            phrase = investigating_phrase(item.text)
            if phrase:
                return phrase
        return None

    @property
    def text(self) -> str:
        """This week's commentary texts joined."""
        return " ".join(item.text for item in self.current)


def _streaks(rows: pd.DataFrame, week_ending: pd.Timestamp) -> dict[str, int]:
    """Per author (normalised), weeks running ending this week with identical text."""
    texts: dict[tuple[str, pd.Timestamp], str] = {}
    for author, week, text in zip(rows["author"], rows["week_ending"], rows["text"], strict=True):
        key = (_normalised(str(author)), week)
        texts[key] = (texts.get(key, "") + " " + _normalised(str(text))).strip()
    streaks = {}
    for (author, week), text in texts.items():
        if week != week_ending:
            continue
        n = 1
        while texts.get((author, week_ending - pd.Timedelta(weeks=n))) == text:
            n += 1
        streaks[author] = n
    return streaks


def commentary_by_metric(
    frame: pd.DataFrame | None, week_ending: dt.date, metrics: Iterable[str]
) -> dict[str, MetricCommentary]:
    """This week's linted commentary per metric, with last week's and the same-text streak."""
    wanted = list(metrics)
    empty = {m: MetricCommentary(m, (), (), 0) for m in wanted}
    if frame is None or frame.empty:
        return empty
    end = pd.Timestamp(week_ending)
    weeks = pd.to_datetime(frame["week_ending"])
    recent = frame.loc[
        (weeks <= end)
        & (weeks > end - pd.Timedelta(weeks=LOOKBACK_WEEKS))
        & frame["metric"].isin(wanted)
        & frame["text"].notna()
    ].assign(week_ending=weeks)
    result = dict(empty)
    last_week = end - pd.Timedelta(weeks=1)
    for metric, rows in recent.groupby("metric", sort=False):
        streaks = _streaks(rows, end)
        current, previous = [], []
        for author, week, text in zip(
            rows["author"], rows["week_ending"], rows["text"], strict=True
        ):
            author = "" if pd.isna(author) else str(author)
            if week == end:
                streak = streaks.get(_normalised(author), 1)
                current.append(Commentary(author, str(text), lint_text(str(text), streak)))
            elif week == last_week:
                previous.append(Commentary(author, str(text)))
        result[str(metric)] = MetricCommentary(
            str(metric), tuple(current), tuple(previous), max(streaks.values(), default=0)
        )
    return result


def attach_commentary(
    blocks: Iterable[Block], by_metric: Mapping[str, MetricCommentary]
) -> tuple[Block, ...]:
    """Blocks with this week's linted commentary filled in."""
    return tuple(
        replace(block, commentary=by_metric[block.metric].current)
        if block.metric in by_metric
        else block
        for block in blocks
    )
