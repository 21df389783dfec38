"""Deck memory: what changed since the most recent earlier deck.json.

Building week W reads the latest `<folder>/<YYYY-MM-DD>/deck.json` dated before W (never W itself,
so re-running a week is idempotent) and records, in the new deck:

- restatements (wbr.engine.restatements): a past week's or month's number the earlier deck
  showed that has changed beyond the tolerance, on its block;
- flag streaks: each flag's `streak` (1 = new this week, N = raised by N decks in a row), and the
  flags the earlier deck raised that have cleared;
- carried questions: a question the earlier deck asked of a block that is still flagged stays open,
  first in its block with the weeks it has been open, until a commentary row names its id in the
  `question` column;
- new and retired blocks.

A flag is the same flag across weeks when its metric, type, rule and series match (never its
wording, which carries this week's numbers); a question when its metric and id match. The earlier
deck is read as plain JSON; one with another schema_version is skipped with a one-line note, and a
missing one means "no history yet", never an error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from wbr.engine import deck_json
from wbr.engine.config import HistoryConfig
from wbr.engine.deck import SCHEMA_VERSION, Block, DeckQuestion, Flag, Question
from wbr.engine.deck_history import ClearedFlag, DeckHistory, RetiredBlock
from wbr.engine.restatements import attach_restatements

DECK_JSON = "deck.json"
NO_HISTORY = "no history yet"
# questions that ask for an explanation rather than a fact: any commentary row on the block answers
# them (Q37: flagged with no commentary; Q38: flagged with no commentary and no open action)
ANSWERED_BY_ANY_COMMENTARY = ("Q37", "Q38")

FlagKey = tuple[str, str, str, str | None]


@dataclass(frozen=True)
class EarlierDeck:
    """The earlier deck.json this deck is compared with, as plain JSON."""

    path: Path
    week_ending: dt.date
    data: Mapping[str, Any]

    @property
    def blocks(self) -> dict[str, Mapping[str, Any]]:
        """Its blocks by metric id."""
        return {b["metric"]: b for b in self.data.get("blocks") or () if "metric" in b}


def _week_folders(folder: Path, before: dt.date) -> list[tuple[dt.date, Path]]:
    """Report folders named YYYY-MM-DD dated before `before`, most recent first."""
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        try:
            day = dt.date.fromisoformat(child.name)
        except ValueError:
            continue  # staging folders, .failed/, anything else
        if day < before and (child / DECK_JSON).is_file():
            found.append((day, child))
    return sorted(found, reverse=True)


def find_earlier_deck(folder: Path, week_ending: dt.date) -> tuple[EarlierDeck | None, str | None]:
    """(the latest deck before `week_ending` in folder, None) or (None, the one-line note why
    there is none: no history yet, or the latest earlier deck (`<week>/deck.json`) was skipped
    and why)."""
    folders = _week_folders(folder, week_ending)
    if not folders:
        return None, f"{NO_HISTORY}: no earlier deck in the reports folder"
    _, child = folders[0]
    path = child / DECK_JSON
    shown = f"{child.name}/{DECK_JSON}"  # deck.json never depends on where the reports folder is
    try:
        data = deck_json.loads(path.read_bytes())  # json.loads's answer and errors, faster
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"{NO_HISTORY}: skipped {shown}: cannot read it ({error})"
    if not isinstance(data, dict):
        return None, f"{NO_HISTORY}: skipped {shown}: not a deck"
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        # another version's fields may mean something else: comparing them could invent changes
        return None, (
            f"{NO_HISTORY}: skipped {shown}: schema_version {version}, this wbr reads "
            f"{SCHEMA_VERSION}"
        )
    try:
        earlier_week = dt.date.fromisoformat(str(data.get("week_ending")))
    except ValueError:
        return None, f"{NO_HISTORY}: skipped {shown}: no valid week_ending"
    problem = _shape_problem(data)
    if problem:
        return None, f"{NO_HISTORY}: skipped {shown}: {problem}"
    if earlier_week >= week_ending:
        return None, f"{NO_HISTORY}: skipped {shown}: its week_ending {earlier_week} is not earlier"
    return EarlierDeck(path, earlier_week, data), None


_BLOCK_LISTS = ("weeks", "months", "flags", "questions", "more_questions")


def _shape_problem(data: Mapping[str, Any]) -> str | None:
    """Why a deck.json of the right version cannot be compared (hand-edited, damaged), or None."""
    blocks = data.get("blocks")
    if not isinstance(blocks, list):
        return "no list of blocks"
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or not isinstance(block.get("metric"), str):
            return f"block {index + 1} has no metric id"
        for name in _BLOCK_LISTS:
            items = block.get(name, [])
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                return f"block {index + 1} ({block['metric']}): {name} is not a list of objects"
    return None


# ---------------------------------------------------------------- flags and questions


def flag_key(metric: str, flag: Flag | Mapping[str, Any]) -> FlagKey:
    """What makes a flag the same flag next week: metric, type, rule and series (if any)."""
    get = flag.get if isinstance(flag, Mapping) else lambda name: getattr(flag, name, None)
    series = get("series")
    if isinstance(series, Mapping):  # a typed series: its kind names it
        series = series.get("kind")
    return metric, str(get("type")), str(get("rule")), None if series is None else str(series)


def _earlier_flags(earlier: EarlierDeck) -> dict[FlagKey, tuple[int, Mapping[str, Any], str]]:
    """Each earlier flag's key -> (weeks it had run, the flag, its block's label)."""
    found: dict[FlagKey, tuple[int, Mapping[str, Any], str]] = {}
    for metric, block in earlier.blocks.items():
        for flag in block.get("flags") or ():
            if flag.get("set_aside") is not None:
                continue  # not raised: neither running nor cleared
            key = flag_key(metric, flag)
            weeks = flag.get("streak")
            weeks = weeks if isinstance(weeks, int) and weeks > 0 else 1
            if key not in found or weeks > found[key][0]:
                found[key] = (weeks, flag, str(block.get("label") or metric))
    return found


def answered_questions(
    commentary: pd.DataFrame | None, since: dt.date, week_ending: dt.date
) -> set[tuple[str, str]]:
    """(metric, question id) named in the `question` column of commentary rows dated after
    `since` up to the week ending."""
    if commentary is None or commentary.empty or "question" not in commentary.columns:
        return set()
    weeks = pd.to_datetime(commentary["week_ending"])
    inside = (weeks > pd.Timestamp(since)) & (weeks <= pd.Timestamp(week_ending))
    rows = commentary.loc[inside.to_numpy()]
    answered = set()
    for metric, qid in zip(rows["metric"], rows["question"], strict=True):
        if metric is None:
            continue
        if isinstance(qid, str) and qid.strip():
            answered.add((str(metric), qid.strip().upper()))
        answered.update((str(metric), general) for general in ANSWERED_BY_ANY_COMMENTARY)
    return answered


def _question(raw: Mapping[str, Any], open_weeks: int) -> Question:
    """An earlier deck's question, carried into this deck."""
    return Question(
        id=str(raw.get("id")),
        severity=int(raw.get("severity") or 0),
        text=str(raw.get("text") or ""),
        evidence=dict(raw.get("evidence") or {}),
        open_weeks=open_weeks,
        carried=True,
    )


def _open_weeks(raw: Mapping[str, Any]) -> int:
    """How many decks in a row an earlier deck's question had been asked (1 when it says not)."""
    weeks = raw.get("open_weeks")
    return weeks if isinstance(weeks, int) and weeks > 0 else 1


def carry_questions(
    block: Block,
    earlier_block: Mapping[str, Any] | None,
    answered: set[tuple[str, str]],
    weeks_since: int = 1,
) -> Block:
    """The block with the earlier deck's unanswered questions first while it is flagged (this
    week's wording when asked again), with the weeks they have been open, then this week's.

    The block shows as many questions as the analysis chose for it (its top questions); the rest,
    carried ones included, stay in `more_questions` and so stay open for next week's deck. A
    question stays open for the calendar weeks since the earlier deck (`weeks_since`), decks run
    or not: no commentary in between answered it.
    """
    more = tuple(getattr(block, "more_questions", ()))
    asked = [*block.questions, *more]
    if not block.flagged or not earlier_block:
        return block
    if block.actions:  # an open action item says who owns it and by when
        answered = answered | {(block.metric, "Q38")}
    earlier_by_id: dict[str, list[Mapping[str, Any]]] = {}
    earlier_asked = [
        *(earlier_block.get("questions") or ()),
        *(earlier_block.get("more_questions") or ()),
    ]
    for raw in earlier_asked:
        if raw.get("id") and (block.metric, str(raw["id"]).upper()) not in answered:
            earlier_by_id.setdefault(str(raw["id"]), []).append(raw)
    if not earlier_by_id:
        return block
    carried: list[Question] = []
    for qid, raws in earlier_by_id.items():
        weeks = max(_open_weeks(raw) for raw in raws)
        again = [q for q in asked if q.id == qid]
        if again:
            carried += [replace(q, open_weeks=weeks + weeks_since, carried=True) for q in again]
        else:
            carried += [_question(raw, weeks + weeks_since) for raw in raws]
    carried.sort(key=lambda q: (-q.open_weeks, -q.severity))
    ordered = carried + [q for q in asked if q.id not in earlier_by_id]
    shown = max(len(block.questions), 1)
    return replace(block, questions=tuple(ordered[:shown]), more_questions=tuple(ordered[shown:]))


def remember(
    blocks: Iterable[Block],
    earlier: EarlierDeck | None,
    note: str | None,
    commentary: pd.DataFrame | None,
    week_ending: dt.date,
) -> tuple[tuple[Block, ...], DeckHistory]:
    """Blocks with flag streaks and carried questions, and the deck's history section."""
    blocks = tuple(blocks)
    if earlier is None:
        return blocks, DeckHistory(compared_with=None, note=note or NO_HISTORY)
    before = earlier.blocks
    earlier_flags = _earlier_flags(earlier)
    answered = answered_questions(commentary, earlier.week_ending, week_ending)
    weeks_since = max((week_ending - earlier.week_ending).days // 7, 1)
    # a streak runs only through consecutive decks: with a week or more between them, nobody
    # knows whether the flag held in the weeks no deck was built for, so it starts again
    consecutive = weeks_since == 1
    remembered, raised = [], set()
    for block in blocks:
        flags = []
        for flag in block.flags:
            if flag.set_aside is not None:
                flags.append(flag)  # not raised: it has no streak
                continue
            key = flag_key(block.metric, flag)
            raised.add(key)
            weeks = earlier_flags[key][0] + 1 if consecutive and key in earlier_flags else 1
            flags.append(replace(flag, streak=weeks))
        block = replace(block, flags=tuple(flags))
        block = carry_questions(block, before.get(block.metric), answered, weeks_since)
        remembered.append(block)
    numbers = {b.metric: b.number for b in blocks}
    cleared = tuple(
        ClearedFlag(
            metric=key[0],
            label=label,
            block=numbers.get(key[0]),
            type=key[1],
            rule=key[2],
            series=key[3],
            detail=str(flag.get("detail") or ""),
            weeks=weeks,
        )
        for key, (weeks, flag, label) in earlier_flags.items()
        if key not in raised
    )
    retired = tuple(
        RetiredBlock(metric, str(b.get("label") or metric), int(b.get("number") or 0))
        for metric, b in before.items()
        if metric not in numbers
    )
    history = DeckHistory(
        compared_with=earlier.week_ending,
        note=None,
        new_blocks=tuple(b.metric for b in blocks if b.metric not in before),
        retired_blocks=retired,
        cleared_flags=cleared,
    )
    return tuple(remembered), history


def mark_deck_questions(
    questions: Iterable[DeckQuestion], blocks: Iterable[Block]
) -> tuple[DeckQuestion, ...]:
    """The deck-level question list with each question's open weeks and carried mark."""
    marks = {
        (block.number, q.id, q.text): (q.open_weeks, q.carried)
        for block in blocks
        for q in block.questions
    }
    marked = []
    for q in questions:
        weeks, carried = marks.get((q.block, q.id, q.text), (1, False))
        marked.append(replace(q, open_weeks=weeks, carried=carried) if carried else q)
    return tuple(marked)


@dataclass(frozen=True)
class Recall:
    """The earlier deck a build compares with (None: none), and the note when there is none."""

    earlier: EarlierDeck | None
    note: str | None
    settings: HistoryConfig


def recall(settings: HistoryConfig, folder: Path | None, week_ending: dt.date) -> Recall | None:
    """Find the earlier deck in `folder`; None when the build keeps no history (no folder)."""
    if folder is None:
        return None
    earlier, note = find_earlier_deck(folder, week_ending)
    return Recall(earlier, note, settings)


def history_folder(config_folder: Path | None, default: str | Path | None) -> Path | None:
    """Where earlier decks are read: the config's `history.folder` (already resolved), else the
    caller's reports folder, else nowhere."""
    if config_folder is not None:
        return config_folder
    return None if default is None else Path(default)


def before_analysis(blocks: Iterable[Block], recalled: Recall | None) -> tuple[Block, ...]:
    """Blocks with their restatements (the questions read them), when there is an earlier deck."""
    if recalled is None:
        return tuple(blocks)
    earlier = recalled.earlier
    return attach_restatements(
        blocks, None if earlier is None else earlier.blocks, recalled.settings
    )


def after_analysis(
    blocks: Iterable[Block],
    recalled: Recall | None,
    commentary: pd.DataFrame | None,
    week_ending: dt.date,
) -> tuple[list[Block], DeckHistory | None]:
    """Blocks with flag streaks and carried questions, and the deck's history (None: the build
    keeps no history)."""
    if recalled is None:
        return list(blocks), None
    remembered, history = remember(blocks, recalled.earlier, recalled.note, commentary, week_ending)
    return list(remembered), history
