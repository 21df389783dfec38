"""Catalogue group G, commentary and accountability: Q31 vague commentary, Q32 no cause, Q33
still investigating, Q35 same explanation, Q37 flagged without commentary.

Q37 and Q38 (followup.py) ask for an explanation. They fire when a flag is new this week, not in
every week of a streak (deck memory carries the open question from the week it was asked, with
the weeks it has been open), and never both: Q37 when an open action item says who is on it,
Q38 ("who owns this and by when?") when nothing does."""

from __future__ import annotations

from wbr.analysis import commentary as lint
from wbr.analysis.questions.engine import (
    OTHER,
    Facts,
    Fill,
    flag_reasons,
    question,
)
from wbr.analysis.questions.process_common import has_new_flag


@question(
    "Q31",
    OTHER,
    "You said '{phrase}' about {metric}. By how much, in % or bps, and against what baseline?",
    "The commentary on {metric} has no number in it. By how much did it move, in % or bps, and "
    "against what baseline?",
)
def vague_commentary(f: Facts) -> Fill | None:
    """Q31: commentary with a weasel word, or with no number at all."""
    if f.commentary is None or not f.commentary.current:
        return None
    text = f.commentary.text
    weasels = lint.weasel_phrases(text)
    if weasels:
        return Fill(
            {"phrase": lint.weasel_context(text, weasels[0]), "metric": f.label},
            {"weasel_words": list(weasels)},
        )
    if not lint.has_number(text):
        return Fill({"metric": f.label}, {"has_number": False})
    return None


@question(
    "Q32",
    OTHER,
    "That is what happened to {metric}. Why did it happen? What is the root cause behind the "
    "symptom?",
)
def no_cause(f: Facts) -> Fill | None:
    """Q32: a flagged block whose commentary gives numbers but no reason, verdict or plan."""
    if f.commentary is None or not f.commentary.current or not f.block.flagged:
        return None
    text = f.commentary.text
    if not lint.has_number(text) or lint.gives_reason(text):
        return None
    if lint.investigating_phrase(text) or lint.is_routine_verdict(text):
        return None
    if any(lint.stated_cause(item.text) for item in f.commentary.previous):
        return None  # last week's cause still stands; this week reports progress on it
    return Fill({"metric": f.label}, {"commentary": lint.quote(text)})


@question(
    "Q33",
    OTHER,
    "Last week the answer on {metric} was '{phrase}'. What did you find? If the cause is still "
    "unknown, when will it be known?",
)
def still_investigating(f: Facts) -> Fill | None:
    """Q33: last week's answer was "investigating" and this week names no cause."""
    if f.commentary is None:
        return None
    phrase = f.commentary.investigating_last_week
    if phrase is None or (f.commentary.current and lint.stated_cause(f.commentary.text)):
        return None
    return Fill({"metric": f.label, "phrase": phrase}, {"previous": phrase})


@question(
    "Q35",
    OTHER,
    "This is week {weeks} with the same explanation for {metric}. What is the fix, who owns it, "
    "and when does it land? Does this need escalating?",
)
def same_explanation(f: Facts) -> Fill | None:
    """Q35: the same commentary REPEAT_WEEKS weeks running."""
    if f.commentary is None or f.commentary.same_streak < lint.REPEAT_WEEKS:
        return None
    n = f.commentary.same_streak
    return Fill({"weeks": str(n), "metric": f.label}, {"same_commentary_weeks": n})


@question(
    "Q37",
    OTHER,
    "{owner}, {metric} is flagged ({reasons}; last week {value}, {wow} WoW) and there is no "
    "explanation in the deck, only an open action item ('{action}'). What is going on?",
    "{owner}, {metric} is flagged ({reasons}; last week {value}) and there is no explanation in "
    "the deck, only an open action item ('{action}'). What is going on?",
    "{metric} is flagged ({reasons}; last week {value}), has no owner and no explanation in the "
    "deck, only an open action item ('{action}'). Who owns it, and what is going on?",
)
def unexplained_flag(f: Facts) -> Fill | None:
    """Q37: a newly flagged block with an open action item but no commentary (without the action
    item, Q38 asks the same and who owns it)."""
    if not f.block.flagged or not f.block.actions or f.block.commentary:
        return None
    if f.commentary is not None and f.commentary.current:
        return None
    if not has_new_flag(f):
        return None
    box = f.block.box
    slots = {
        "metric": f.label,
        "reasons": flag_reasons(f.block.flags),
        "value": f.value(box.last_week) if box.last_week is not None else None,
        "wow": f.wow(),
        "action": f.block.actions[0].action,
    }
    owner = f.block.owner or f.block.actions[0].owner  # the action item names who is on it
    if owner:
        slots["owner"] = owner
    return Fill(slots, {"flags": [x.rule for x in f.block.flags], "owner": owner})
