"""notebooks/explore.ipynb in a real JupyterLab, driven by headless Chromium.

The test starts `jupyter lab` on 127.0.0.1 with a token, in a temporary folder holding a copy of
the notebook beside a copy of the sample business (so nothing it runs or autosaves touches the
repository, and the notebook's relative config_path is resolved from its own folder upwards, as it
is for a user). Chromium (the DevTools pipe client of test_browser_e2e) opens the notebook, runs
all cells, then picks another metric: no cell may show an error, and the live charts must redraw
for the new metric (their titles in the page). A screenshot is left in the test's tmp folder.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import wbr
from tests.test_browser_e2e import CHROMIUM, Browser

ROOT = Path(__file__).resolve().parent.parent
JUPYTER = Path(sys.executable).parent / "jupyter"
NEW_METRIC, NEW_LABEL = "orders", "Orders"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

# code cells: their prompt ("[3]:", "[*]:" while running) and outputs of error kinds
CELL_STATE = """
JSON.stringify(Array.from(document.querySelectorAll('.jp-CodeCell')).map(c => ({
  prompt: (c.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
  errors: Array.from(c.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(e => e.textContent.slice(0, 400)),
})))
"""
# the annotations of the weekly chart of a metric (found by its title)
WEEKLY_NOTES = """
JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))
  .filter(p => ((p.querySelector('.gtitle') || {}).textContent || '').startsWith('%s: weekly'))
  .flatMap(p => Array.from(p.querySelectorAll('.annotation-text')).map(a => a.textContent)))
"""
TITLES = "JSON.stringify(Array.from(document.querySelectorAll('.gtitle')).map(t => t.textContent))"
# pick a metric in the first ipywidgets dropdown (the metric picker): its <select> fires change
PICK_METRIC = """
(() => {
  const select = document.querySelector('.widget-dropdown select');
  const index = Array.from(select.options).findIndex(o => o.textContent.endsWith('(%s)'));
  select.selectedIndex = index;
  select.dispatchEvent(new Event('change', {bubbles: true}));
  return index;
})()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workspace(folder: Path) -> Path:
    """The notebook, under notebooks/, beside a copy of the sample's wbr.yaml and data."""
    (folder / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", folder / "notebooks")
    shutil.copy(ROOT / "wbr.yaml", folder)
    shutil.copytree(ROOT / "data" / "sample", folder / "data" / "sample")
    return folder


def _lab_settings(folder: Path) -> dict[str, str]:
    """Config, runtime and settings folders of our own; every cell kept in the page (no
    windowing), no news prompt."""
    settings = folder / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    labconfig = folder / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    disabled = {"@jupyterlab/apputils-extension:announcements": True}
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": disabled}))
    return {
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "IPYTHONDIR": str(folder / "ipython"),
    }


def _wait(what: str, check, timeout: float) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise TimeoutError(what)


@pytest.fixture
def lab(tmp_path: Path):
    """(url of the notebook, server log, workspace folder) of a JupyterLab serving it."""
    if not JUPYTER.exists():
        pytest.fail(f"{JUPYTER} not found: run `make setup`")
    root = _workspace(tmp_path / "work")
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "lab.log"
    env = {**os.environ, **_lab_settings(tmp_path / "lab")}
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                str(JUPYTER),
                "lab",
                "--allow-root",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                f"--LabApp.user_settings_dir={tmp_path / 'lab' / 'settings'}",
                f"--LabApp.workspaces_dir={tmp_path / 'lab' / 'workspaces'}",
                "--expose-app-in-browser",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    return True
            except OSError:
                return server.poll() is not None  # stop waiting: it exited

        _wait("jupyter lab did not start", ready, 60)
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited:\n{log.read_text()[-3000:]}")
        yield f"{base}/lab/tree/notebooks/explore.ipynb?token={token}", log, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_explore_notebook_runs_in_jupyterlab_and_the_metric_picker_redraws(
    lab: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, log, workspace = lab
    browser = Browser(tmp_path / "chromium")
    try:
        # headless Chromium has no window focus; JupyterLab's current notebook follows focus
        browser.call("Emulation.setFocusEmulationEnabled", session=True, enabled=True)
        browser.open(url, timeout=60)
        _wait(
            "the notebook's kernel did not start",
            lambda: browser.evaluate(
                "(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                " return !!(w && w.sessionContext && document.querySelector('.jp-CodeCell')"
                " && w.sessionContext.kernelDisplayStatus === 'idle'); })()"
            ),
            60,
        )
        # not awaited: the command's promise settles only when every cell has run
        browser.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells'), true")

        def all_ran() -> list[dict] | None:
            cells = json.loads(browser.evaluate(CELL_STATE))
            done = all(c["prompt"].strip().strip("[]:").isdigit() for c in cells)
            return cells if done or any(c["errors"] for c in cells) else None

        cells = _wait("the cells did not all run", all_ran, 90)
        assert [c["errors"] for c in cells if c["errors"]] == [], log.read_text()[-2000:]

        def weekly_drawn() -> list[str] | None:
            # the notebook's other charts may draw first on a loaded machine: wait for the weekly
            now = json.loads(browser.evaluate(TITLES))
            return [t for t in now if ": weekly" in t] or None

        weekly = _wait("no weekly chart drew", weekly_drawn, 30)
        first_label = weekly[0].split(": weekly")[0]
        assert first_label != NEW_LABEL
        first_notes = json.loads(browser.evaluate(WEEKLY_NOTES % first_label))
        explorer = wbr.explore.open(workspace / "wbr.yaml")
        first = next(b for b in explorer.deck().blocks if b.label == first_label)
        assert first.series.signals and first_notes  # the first chart carries a note to clear
        series = explorer.block_data(NEW_METRIC).series

        assert browser.evaluate(PICK_METRIC % NEW_METRIC) >= 0

        views = ("weekly", "daily values")

        def redrawn() -> list[str] | None:
            # each view redraws in its own output, one after the other (a loaded machine shows
            # the weekly chart seconds before the daily one): wait for all of them
            now = json.loads(browser.evaluate(TITLES))
            drawn = all(any(t.startswith(f"{NEW_LABEL}: {v}") for t in now) for v in views)
            return now if drawn and not any(t.startswith(f"{first_label}:") for t in now) else None

        titles = _wait(f"the charts of {NEW_LABEL} were not all drawn", redrawn, 60)
        for view in views:
            assert any(t.startswith(f"{NEW_LABEL}: {view}") for t in titles), titles
        assert not any(t.startswith(f"{first_label}:") for t in titles), titles
        # what the old metric's charts said (the weekly chart's XmR signals) is gone as well
        drawn = json.loads(browser.evaluate(WEEKLY_NOTES % NEW_LABEL))
        expected = {", ".join(r.replace("_", " ") for r in series.signals)} - {""}
        assert set(drawn) == expected | ({series.note} if series.note else set()), drawn
        cells = json.loads(browser.evaluate(CELL_STATE))
        assert [c["errors"] for c in cells if c["errors"]] == []
        status = browser.evaluate(
            "Array.from(document.querySelectorAll('.widget-html')).map(e => e.textContent)"
            ".join(' ')"
        )
        assert "Error" not in status

        browser.evaluate(
            "Array.from(document.querySelectorAll('.gtitle'))"
            f".find(t => t.textContent.startsWith('{NEW_LABEL}: weekly'))"
            ".closest('.jp-Cell').scrollIntoView()"
        )
        shot = browser.call("Page.captureScreenshot", session=True, format="png")
        (tmp_path / "explore-lab.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()


def test_an_exported_notebook_shows_every_chart_as_an_image(tmp_path: Path) -> None:
    """nbconvert's HTML has no live widgets: each chart's output falls back to its PNG."""
    root = _workspace(tmp_path / "work")
    env = {**os.environ, **_lab_settings(tmp_path / "lab")}
    html = tmp_path / "explore.html"
    subprocess.run(
        [
            str(JUPYTER),
            "nbconvert",
            "--to",
            "html",
            "--execute",
            "--ExecutePreprocessor.store_widget_state=False",
            "--ExecutePreprocessor.timeout=120",
            f"--output={html}",
            str(root / "notebooks" / "explore.ipynb"),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    page = html.read_text(encoding="utf-8")
    charts = ("chart", "weekly", "daily", "drivers", "mix_rate", "compare_chart")
    images = re.findall(r"<img [^>]*src=\"data:image/png;base64,", page)
    assert len(images) == len(charts)
    assert "static image unavailable" not in page
    assert "application/vnd.jupyter.widget-view+json" not in page  # no widget left to draw
