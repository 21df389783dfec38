"""The installed package stands alone: a wheel installed outside the checkout runs `wbr run`.

The wheel is built from a copy of the source (so the checkout gets no build/ or egg-info) without
build isolation or an index, and installed without dependencies into a fresh venv that borrows
this environment's site-packages through a .pth file: fast, and no network. The business is a
copy of wbr.yaml and data/sample in a folder of its own, so nothing can come from the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    """Run a command; fail the test with its output when it exits non-zero."""
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh venv outside the checkout with the wbr wheel installed; its bin/ and environment."""
    work = tmp_path_factory.mktemp("package")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")}
    env["JUPYTER_DATA_DIR"] = str(work / "jupyter")  # no user-level kernel of the same name
    env["PIP_NO_INDEX"] = "1"

    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "wbr", source / "wbr", ignore=ignore)
    pip = [sys.executable, "-m", "pip"]
    _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", work / "dist", source],
        work,
        env,
    )
    (wheel,) = (work / "dist").glob("wbr-*.whl")

    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], work, env)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, env
        ).strip()
    )
    # the dependencies (not wbr: an editable install is only active through its own .pth), and
    # the data files pip would have installed with them (nbconvert's HTML templates)
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (venv / "share" / "jupyter").mkdir(parents=True)
    (venv / "share" / "jupyter" / "nbconvert").symlink_to(
        Path(sys.prefix) / "share" / "jupyter" / "nbconvert"
    )
    _run([*pip, "--python", python, "install", "--no-deps", "-q", wheel], work, env)
    _run([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "wbr"], work, env)
    return venv / "bin", env


@pytest.mark.e2e
def test_the_installed_package_is_the_one_imported_and_knows_its_version(installed):
    bin_dir, env = installed
    where = _run(
        [
            bin_dir / "python",
            "-c",
            "import wbr.render.report as r; print(r.__file__, r.DECK_NOTEBOOK)",
        ],
        bin_dir,
        env,
    ).split()
    assert all(Path(path).is_relative_to(bin_dir.parent) for path in where), where
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert _run([bin_dir / "wbr", "--version"], bin_dir, env).strip() == f"wbr {version}"


@pytest.mark.e2e
def test_wbr_run_works_from_the_installed_wheel_outside_the_checkout(installed, tmp_path):
    bin_dir, env = installed
    business = tmp_path / "business"
    shutil.copytree(ROOT / "data" / "sample", business / "data" / "sample")
    shutil.copy2(ROOT / "wbr.yaml", business / "wbr.yaml")

    printed = _run([bin_dir / "wbr", "run", "--quiet", "--out", "reports"], business, env)

    html = business / printed.strip()  # the report's path, relative to the business folder
    report = html.parent
    assert html.is_file() and report.parent == business / "reports"
    assert {"deck.html", "deck.ipynb", "deck.json"} <= {p.name for p in report.iterdir()}
    assert "plotly" in (report / "deck.html").read_text(encoding="utf-8")
