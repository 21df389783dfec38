"""The probing-question catalogue (docs/calculation-rules.md), as a registry of small triggers.

Layout: `engine` (Facts, the registry, rendering, ask, rank) and one module per group of the
catalogue: `plan` (A: Q1-Q6), `shape` (B: Q7-Q9), `process` (C and D: Q12-Q18), `ratios`
(E: Q21-Q25), `data` (F: Q26, Q28), `accountability` (G: Q31-Q37), `followup` (Q27, Q36, Q38:
what the earlier deck and the action items say). Importing this package registers every entry.

Owns which question a reviewer would ask of a block, and its wording. Each catalogue entry is a
`QuestionSpec(id, severity, trigger, templates)`: the trigger reads a block's `Facts` (the field
dictionary of section 5) and returns a `Fill` (formatted slot text plus the raw evidence), a list
of them, or None when it does not fire. The first template whose slots are all filled is used, so a
question never shows an empty slot, "None", "nan" or "N/A". Numbers are formatted by wbr.fmt: % to
1 decimal, bps whole, values with their unit.

Severity (higher = more severe; the deck lists the most severe first):
DATA 5 (Q26, Q28) > XMR_RULE_1 4 (Q12) > PLAN 3 (Q1-Q6) > SIGNAL 2 (shape, process signals, inputs,
ratios: Q7-Q9, Q13-Q18, Q21-Q25) > OTHER 1 (commentary and accountability: Q31-Q37). Ties keep
catalogue order.

Thresholds: "material" means the metric's plan-miss threshold (FlagSettings.plan_miss_pct or
plan_miss_bps, 2% / 25 bps by default); the other constants below are named where they are used.

Implemented: Q1-Q4, Q6-Q10, Q12-Q18, Q21-Q28, Q31-Q33, Q35-Q38 (Q10 as a base effect: last
year's week was unusual). Not implemented (the data has no field for them yet): Q5 (committed
ETAs), Q11 (day counts), Q19
(registry review), Q20 (counter metrics), Q29 (anecdotes), Q30 (audit
dates), Q34 (controllability tags). A flagged block that no entry covers
gets the safety-net question Q0 so that every flagged block carries a question.
"""

from __future__ import annotations

from wbr.analysis.questions import (  # noqa: F401 (register)
    accountability,
    data,
    followup,
    plan,
    process,
    ratios,
    shape,
)
from wbr.analysis.questions.engine import (
    CATALOGUE,
    DATA,
    OTHER,
    PLAN,
    SIGNAL,
    XMR_RULE_1,
    Facts,
    Fill,
    QuarterForecast,
    QuestionSpec,
    XmrView,
    ask,
    flag_reasons,
    question,
    rank,
    select,
)

__all__ = [
    "CATALOGUE",
    "DATA",
    "OTHER",
    "PLAN",
    "SIGNAL",
    "XMR_RULE_1",
    "Facts",
    "Fill",
    "QuarterForecast",
    "QuestionSpec",
    "XmrView",
    "ask",
    "flag_reasons",
    "question",
    "rank",
    "select",
]
