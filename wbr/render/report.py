"""The rendered report: run the deck notebook (papermill), export it to HTML (nbconvert), and write
reports/<week-ending>/ atomically.

The Deck is built here, in this process, before any kernel starts: config and data errors surface
at once as ConfigError/DataError, and deck.json is written first. The notebook then reads that
deck.json and only formats it, so the HTML shows exactly the numbers in deck.json. Everything goes
into a hidden staging folder beside the target that is swapped into place only when every step
succeeded; a failing run leaves the previous report untouched and raises RenderError naming the
failing cell and its error. Secrets (SMTP settings) are never notebook parameters.

A run holds a lock (flock) on its staging folder; the next run removes staging folders that are
unlocked and older than STALE_STAGING_S, which only a killed run leaves behind. A failed run's
notebook is kept in .failed/ only when it was written whole (a full disk truncates it).

This module owns the run: building, executing the notebook, exporting and checking the HTML; the
staging folders, locks and the atomic swap are in report_folder (their names importable here).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from wbr.engine.deck import Deck
from wbr.errors import RenderError
from wbr.render.report_folder import (
    FAILED_DIR,
    STAGING_GLOB,
    STALE_STAGING_S,
    current_umask,
    keep_failed,
    lock_folder,
    os_failure,
    previous_report,
    remove_stale_staging,
    swap_into_place,
)

KERNEL_NAME = "wbr"
# Package data: found in the installed package, never in a checkout's working directory.
DECK_NOTEBOOK = Path(str(resources.files("wbr") / "notebooks" / "wbr_deck.ipynb"))
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "deck.html.j2"
HTML_NAME = "deck.html"
NOTEBOOK_NAME = "deck.ipynb"
DECK_JSON_NAME = "deck.json"
CELL_TIMEOUT_S = 900
KERNEL_START_TIMEOUT_S = 120

Progress = Callable[[str], None]

__all__ = [
    "CELL_TIMEOUT_S",
    "DECK_JSON_NAME",
    "DECK_NOTEBOOK",
    "FAILED_DIR",
    "HTML_NAME",
    "KERNEL_NAME",
    "KERNEL_START_TIMEOUT_S",
    "NOTEBOOK_NAME",
    "STAGING_GLOB",
    "STALE_STAGING_S",
    "TEMPLATE",
    "Progress",
    "check_kernel",
    "export_html",
    "kernel_install_command",
    "load_deck",
    "remove_stale_staging",
    "render_report",
    "run_report",
]
logger = logging.getLogger(__name__)


def load_deck(
    config_path: str | Path | None = None,
    week_ending: dt.date | str | None = "latest",
    deck_json: str | Path | None = None,
    output_dir: str | Path | None = None,
) -> Deck:
    """The deck a notebook shows: read from `deck_json` when given, else built from the config
    (and then written to `output_dir`/deck.json when an output folder is given)."""
    if deck_json:
        return Deck.read_json(deck_json)
    if config_path is None:
        raise RenderError("the notebook needs config_path or deck_json")
    from wbr.engine.build import build_deck
    from wbr.engine.config import load_config

    deck = build_deck(load_config(config_path), week_ending=week_ending)
    if output_dir:
        deck.write_json(Path(output_dir) / DECK_JSON_NAME)
    return deck


def run_report(
    config_path: str | Path,
    week_ending: dt.date | str | None = "latest",
    out_dir: str | Path = "reports",
    progress: Progress | None = None,
    *,
    notebook: str | Path | None = None,
    kernel_name: str = KERNEL_NAME,
    pdf: bool = False,
) -> Path:
    """Build the week's deck and render it; returns the report folder reports/<week-ending>/.

    week_ending: a week end date, "latest", or None for the config's own `week_ending`.
    """
    from wbr.engine.build import build_deck
    from wbr.engine.config import load_config

    note = progress or logger.info
    note(f"reading {config_path}")
    config = load_config(config_path)
    # the deck compares with the latest earlier deck in out_dir (or the config's history.folder)
    deck = build_deck(config, week_ending=week_ending, progress=note, history_dir=out_dir)
    return render_report(
        deck,
        out_dir,
        config_path=config_path,
        progress=note,
        notebook=notebook,
        kernel_name=kernel_name,
        pdf=pdf,
    )


def render_report(
    deck: Deck,
    out_dir: str | Path = "reports",
    *,
    config_path: str | Path | None = None,
    progress: Progress | None = None,
    notebook: str | Path | None = None,
    kernel_name: str = KERNEL_NAME,
    pdf: bool = False,
) -> Path:
    """Render an already built Deck into out_dir/<week-ending>/ (HTML, executed notebook, JSON;
    with `pdf`, deck.pdf printed from the HTML by headless Chromium)."""
    note = progress or logger.info
    notebook = Path(notebook) if notebook else DECK_NOTEBOOK
    if not notebook.is_file():
        raise RenderError(f"{notebook}: deck notebook not found")
    check_kernel(kernel_name)
    out_dir = Path(out_dir)
    target = out_dir / deck.week_ending.isoformat()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stale = remove_stale_staging(out_dir)
        if stale:
            note(f"removed {len(stale)} staging folder(s) left by interrupted runs")
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=out_dir))
        staging.chmod(0o777 & ~current_umask())  # mkdtemp makes it private; a report folder is not
        lock = lock_folder(staging)
    except OSError as error:  # under a file, read-only, no permission, disk full
        raise RenderError(f"cannot make the report folder: {os_failure(error, out_dir)}") from error
    try:
        deck.write_json(staging / DECK_JSON_NAME)
        flagged = sum(b.flagged for b in deck.blocks)
        note(
            f"deck: week {deck.week_number} ending {deck.week_ending}, "
            f"{len(deck.blocks)} blocks, {flagged} flagged"
        )
        parameters = {
            "config_path": str(Path(config_path).resolve()) if config_path else None,
            "week_ending": deck.week_ending.isoformat(),
            "deck_json": DECK_JSON_NAME,  # relative: the executed notebook re-runs in its folder
            "output_dir": ".",
        }
        note(f"executing {notebook.name} on kernel '{kernel_name}'")
        executed = _execute(notebook, staging, parameters, kernel_name, out_dir, target)
        note("exporting HTML")
        try:
            html = export_html(executed, title=_page_title(deck))
        except Exception as error:  # a template or nbconvert problem, not the user's data
            raise RenderError(
                f"HTML export of {notebook.name} failed: {type(error).__name__}: {error}; "
                f"{previous_report(target)}"
            ) from error
        _check_html(html, expected_charts=_chart_count(deck), where=staging / HTML_NAME)
        (staging / HTML_NAME).write_text(html, encoding="utf-8")
        if pdf:
            from wbr.render.pdf import PDF_NAME, print_deck

            note(f"printing {PDF_NAME} with headless Chromium")
            print_deck(deck, staging / HTML_NAME, staging / PDF_NAME)
        swap_into_place(staging, target)
    except OSError as error:  # disk full or permissions while writing the report folder
        shutil.rmtree(staging, ignore_errors=True)
        raise RenderError(
            f"cannot write the report: {os_failure(error, staging)}; {previous_report(target)}"
        ) from error
    except BaseException:  # also Ctrl-C and SIGTERM (the CLI turns it into KeyboardInterrupt)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            os.close(lock)
    note(f"wrote {target / HTML_NAME}")
    return target


def kernel_install_command(kernel_name: str = KERNEL_NAME) -> str:
    """The shell command that registers this environment's Python as the named Jupyter kernel."""
    return (
        f"{shlex.quote(sys.executable)} -m ipykernel install --sys-prefix "
        f"--name {shlex.quote(kernel_name)} "
        f"--display-name {shlex.quote(f'Python ({kernel_name})')}"
    )


def check_kernel(kernel_name: str = KERNEL_NAME) -> None:
    """RenderError unless the Jupyter kernel exists and runs this environment's Python."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel as error:
        raise RenderError(
            f"Jupyter kernel '{kernel_name}' is not installed; register it with: "
            f"{kernel_install_command(kernel_name)}"
        ) from error
    interpreter = spec.argv[0] if spec.argv else ""
    if kernel_name == KERNEL_NAME and os.path.dirname(os.path.abspath(interpreter)) != (
        os.path.dirname(os.path.abspath(sys.executable))
    ):
        # a stale kernelspec (another venv, a user-level one) would run different code
        raise RenderError(
            f"Jupyter kernel '{kernel_name}' ({spec.resource_dir}) runs {interpreter}, not this "
            f"environment's {sys.executable}; re-register it with: "
            f"{kernel_install_command(kernel_name)}"
        )


def _execute(
    notebook: Path,
    staging: Path,
    parameters: dict[str, Any],
    kernel_name: str,
    out_dir: Path,
    target: Path,
) -> Any:
    """Run the notebook in the staging folder; RenderError naming the failing cell on error."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed_path = staging / NOTEBOOK_NAME
    logger.debug("executing %s with kernel %r in %s", notebook, kernel_name, staging)
    try:
        return papermill.execute_notebook(
            str(notebook),
            str(executed_path),
            parameters=parameters,
            kernel_name=kernel_name,
            cwd=str(staging),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,  # the notebook holds plotly.js: save once
            start_timeout=KERNEL_START_TIMEOUT_S,
            execution_timeout=CELL_TIMEOUT_S,
            # the kernel's own start-up log (TCP on 127.0.0.1 notice) is noise in `wbr run`
            extra_arguments=["--log-level=ERROR"],
        )
    except PapermillExecutionError as error:
        kept = keep_failed(executed_path, out_dir, target.name)
        described, position = _describe_failed_cell(notebook, executed_path, error)
        raise RenderError(
            f"{described}; the failed run's notebook is {kept}; {previous_report(target)}",
            cell=position,
        ) from error
    except Exception as error:  # kernel died, timeout, bad notebook JSON
        kept = keep_failed(executed_path, out_dir, target.name)
        raise RenderError(
            f"{notebook}: execution failed: {type(error).__name__}: {error}"
            f"{'; the failed run notebook is ' + str(kept) if kept else ''}; "
            f"{previous_report(target)}"
        ) from error


def _describe_failed_cell(
    notebook: Path, executed_path: Path, error: Any
) -> tuple[str, int | None]:
    """'notebooks/wbr_deck.ipynb cell 5 (`show.sections(deck)`) raised ValueError: boom', 5."""
    import nbformat

    original = nbformat.read(str(notebook), as_version=4)
    failed_id = None
    if executed_path.is_file():
        executed = nbformat.read(str(executed_path), as_version=4)
        for cell in executed.cells:
            if cell.get("metadata", {}).get("papermill", {}).get("status") == "failed":
                failed_id = cell.get("id")
                break
    position = None
    for index, cell in enumerate(original.cells, start=1):
        if (failed_id and cell.get("id") == failed_id) or (
            failed_id is None and cell.source == error.source
        ):
            position = index
            break
    first_line = next((line for line in error.source.splitlines() if line.strip()), "")
    where = f"cell {position}" if position else "a cell"
    value = _strip_ansi(str(error.evalue)).strip()
    described = (
        f"{notebook} {where} (`{first_line.strip()}`) raised {error.ename}"
        f"{': ' + value if value else ''}"
    )
    return described, position


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def export_html(notebook: Any, title: str | None = None) -> str:
    """HTML of an executed notebook: outputs only, no prompts, no CDN scripts, no stderr."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file=str(TEMPLATE),
        exclude_input=True,
        exclude_markdown=True,  # the notebook's own notes are for whoever edits it
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    if title:
        notebook.metadata["title"] = title
    for cell in notebook.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            # papermill gives this cell a random id; the HTML anchors it, and a re-run of the
            # same week must give the same page
            cell["id"] = "injected-parameters"
    html, _ = exporter.from_notebook_node(notebook)
    return html


_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\ssrc\s*=", re.IGNORECASE)


def _check_html(html: str, expected_charts: int, where: Path) -> None:
    """RenderError when charts were dropped, the page would load a script from elsewhere, or
    plotly.js and the chart loader are not on the page once, before the first chart."""
    from wbr.render.html import chart_loader_problem, count_charts

    found = count_charts(html)
    if found < expected_charts:
        raise RenderError(
            f"{where}: expected {expected_charts} charts in the HTML, found {found} "
            "(is the notebook's plotly output missing, or was a block skipped?)"
        )
    if _EXTERNAL_SCRIPT.search(html):
        raise RenderError(f"{where}: the HTML loads an external script; the deck must be offline")
    problem = chart_loader_problem(html) if found else None
    if problem:
        # a notebook without `show.head()` before its charts gives a page of blank charts
        raise RenderError(
            f"{where}: {problem} (the notebook must call show.head() once, before its charts)"
        )


def _chart_count(deck: Deck) -> int:
    numbers = {b.number for b in deck.blocks}
    return sum(1 for s in deck.sections for n in s.blocks if n in numbers)


def _page_title(deck: Deck) -> str:
    from wbr.render.html import page_title

    return page_title(deck)
