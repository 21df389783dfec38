"""The deck's summary table for the terminal (`wbr deck`): one row per block with its box score,
plan variance and flags, grouped by section, then the top questions numbered by rank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wbr.fmt import BOX_HEADINGS, box_cells

if TYPE_CHECKING:  # the command line starts without loading the engine
    from wbr.engine.deck import Deck


def summary_table(deck: Deck) -> str:
    """A terminal summary of the deck: one row per block, the box score and plan variance."""
    headers = ("#", "Metric", *BOX_HEADINGS, "vs Plan", "Flags")
    rows = []
    for block in deck.blocks:
        cells = box_cells(block)  # the deck's and the email's box score, as text
        rows.append(
            (
                str(block.number),
                block.label[:28],
                *(cell.text for cell in cells.actual),
                cells.vs_plan[0].text if cells.vs_plan else "",
                ", ".join(sorted({flag.type for flag in block.flags}))
                or ("" if block.status.complete else "incomplete"),
            )
        )
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    align = ["<" if i in (1, 12) else ">" for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, align, widths, strict=True))

    title = (
        f"{deck.title}: week {deck.week_number}, ending {deck.week_ending:%a %d %b %Y} "
        f"(data complete through {deck.data_complete_through or 'N/A'})"
    )
    body = [title, "", line(headers), line(["-" * w for w in widths])]
    current = None
    for block, row in zip(deck.blocks, rows, strict=True):
        if block.section != current:
            current = block.section
            body.append(f"[{current}]")
        body.append(line(row))
    if deck.questions:
        # numbered by rank, at most one per block (its highest ranked), naming the block
        labels = {block.number: block.label for block in deck.blocks}
        top = list({q.block: q for q in reversed(deck.questions)}.values())[::-1]
        top.sort(key=deck.questions.index)
        body += ["", "Top questions:"]
        numbers = {block.metric: block.number for block in deck.blocks}
        body += [
            f"  {rank:>2}. [{q.block} {labels.get(q.block, q.metric)}{_also(q.also, numbers)}]"
            f" {q.text}"
            for rank, q in enumerate(top[:10], 1)
        ]
    return "\n".join(body)


def _also(metrics: tuple[str, ...], numbers: dict[str, int]) -> str:
    """'; also 2, 3': the other blocks that ask the same question."""
    others = [str(numbers[m]) for m in metrics if m in numbers]
    return f"; also {', '.join(others)}" if others else ""
