"""`wbr init --from data.csv`: a starter config whose every guess is explained, that validates and
builds a deck, on the bundled sample's long file and on the WBR App's wide sample."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wbr.cli import main
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.sources import load_data
from wbr.errors import DataError, WbrError
from wbr.init import guess_config, write_starter_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "metrics.csv"
APP_SAMPLE = ROOT / "tests" / "fixtures" / "wbr_app" / "demo_uploads" / "1-wbr-sample-dataset.csv"


def _guesses(config_path: Path) -> dict[str, tuple]:
    """metric -> (aggregation, unit, polarity) as written."""
    metrics = yaml.safe_load(config_path.read_text(encoding="utf-8"))["metrics"]
    return {m: (s["aggregation"], s["unit"], s["polarity"]) for m, s in metrics.items()}


@pytest.fixture(scope="module")
def sample_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    shutil.copy(SAMPLE, folder / "metrics.csv")
    write_starter_config(folder / "metrics.csv", folder / "wbr.yaml")
    return folder / "wbr.yaml"


@pytest.fixture(scope="module")
def app_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("app")
    write_starter_config(APP_SAMPLE, folder / "wbr.yaml")
    return folder / "wbr.yaml"


def test_sample_long_file_guesses(sample_config: Path) -> None:
    text = sample_config.read_text(encoding="utf-8")
    written = yaml.safe_load(text)
    assert written["sources"]["actuals"] == {"path": "metrics.csv", "format": "long"}
    assert written["dimensions"] == ["region", "channel"]
    assert written["week_ending"] == "latest"
    assert written["calendar"] == {"week_end_day": "saturday"}  # 2026-11-21 is a Saturday
    guesses = _guesses(sample_config)
    assert list(guesses) == list(dict.fromkeys(pd.read_csv(SAMPLE)["metric"]))
    assert guesses["sessions"] == ("sum", "count", "higher_is_better")
    assert guesses["orders"] == ("sum", "count", "higher_is_better")
    assert guesses["page_latency_ms"] == ("mean", "ms", "lower_is_better")
    assert guesses["inventory_units"] == ("last", "count", "higher_is_better")
    assert guesses["revenue"] == ("sum", "currency", "higher_is_better")
    assert guesses["gross_profit"] == ("sum", "currency", "higher_is_better")
    assert guesses["marketing_spend"] == ("sum", "currency", "higher_is_better")
    assert guesses["contacts"] == ("sum", "count", "lower_is_better")
    assert guesses["delivery_days"] == ("sum", "count", "lower_is_better")
    # every guess says why, on its line or the comment lines above it
    assert "aggregation: mean  # named like a duration" in text
    assert "aggregation: last  # named like a level" in text
    assert "week_end_day: saturday" in text and "is a Saturday" in text
    # ratios are proposed as comments, never written as metrics
    assert "#   numerator: in_stock_page_views\n  #   denominator: page_views" in text
    assert "#   numerator: on_time_deliveries\n  #   denominator: deliveries" in text
    assert not any(spec["aggregation"] == "ratio" for spec in written["metrics"].values())


def test_sample_config_validates_and_builds_a_deck(sample_config: Path) -> None:
    config = load_config(sample_config)
    deck = build_deck(config, load_data(config))
    assert deck.week_ending == dt.date(2026, 11, 21)
    assert [b.metric for b in deck.blocks] == list(_guesses(sample_config))
    rows = pd.read_csv(SAMPLE, parse_dates=["date"])
    week = rows[(rows["metric"] == "orders") & rows["date"].between("2026-11-15", "2026-11-21")]
    assert deck.block("orders").box.last_week == pytest.approx(week["value"].sum())
    assert deck.block("orders").drivers["dimensions"].keys() == {"region", "channel"}


def test_wbr_app_wide_file_guesses(app_config: Path) -> None:
    text = app_config.read_text(encoding="utf-8")
    written = yaml.safe_load(text)
    assert written["sources"]["actuals"]["format"] == "wide"
    assert "column 'Date' are Ddd, DD-Mon-YYYY" in text
    # the main metrics stop on Sat 2021-09-25; the pct_ columns run on to 2022-01-03
    assert written["week_ending"] == dt.date(2021, 9, 25)
    assert written["calendar"] == {"week_end_day": "saturday"}
    assert "dimensions" not in written
    guesses = _guesses(app_config)
    assert list(guesses) == [
        "Impressions",
        "Clicks",
        "Defects/Million",
        "PageViews",
        "MobilePageViews",
        "pct_customer_group_1",
        "pct_customer_group_2",
        "pct_customer_group_3",
    ]  # PageViews__Target is the plan of PageViews, not a metric
    assert "PageViews__Target looks like the plan of PageViews" in text
    assert guesses["Impressions"] == ("sum", "count", "higher_is_better")
    assert guesses["Defects/Million"] == ("mean", "count", "lower_is_better")
    for group in (1, 2, 3):
        assert guesses[f"pct_customer_group_{group}"] == ("mean", "percent", "higher_is_better")
        assert written["metrics"][f"pct_customer_group_{group}"]["comparison"] == "bps"
    assert "#   numerator: MobilePageViews\n  #   denominator: PageViews" in text


def test_wbr_app_config_validates_and_builds_a_deck(app_config: Path) -> None:
    config = load_config(app_config)
    deck = build_deck(config, load_data(config))
    assert deck.week_ending == dt.date(2021, 9, 25)
    raw = pd.read_csv(APP_SAMPLE, encoding="utf-8-sig", thousands=",")
    raw["Date"] = pd.to_datetime(raw["Date"], format="%a, %d-%b-%Y")
    week = raw[raw["Date"].between("2021-09-19", "2021-09-25")]
    assert deck.block("Impressions").box.last_week == pytest.approx(week["Impressions"].sum())
    rate = deck.block("pct_customer_group_1").box.last_week
    assert rate == pytest.approx(week["pct_customer_group_1"].mean())


def test_a_total_pair_is_proposed_and_a_fraction_not_named_like_a_rate_stays_a_count(
    tmp_path: Path,
) -> None:
    days = pd.date_range("2026-01-01", "2026-03-31")  # ends on a Tuesday
    pd.DataFrame(
        {
            "date": days.strftime("%m/%d/%Y"),
            "signups": 10,
            "signups_total": 40,
            "score": 0.5,
        }
    ).to_csv(tmp_path / "daily.csv", index=False)
    guess = guess_config(tmp_path / "daily.csv")
    assert guess.date_format == "M/D/YYYY" and guess.week_end_day == "tuesday"
    assert [(n, d) for n, d, _ in guess.ratios] == [("signups", "signups_total")]
    score = next(m for m in guess.metrics if m.metric == "score")
    assert (score.unit, score.aggregation) == ("count", "sum")
    assert any("if this is a rate, set unit: percent" in why for why in score.why)


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "metrics.csv")
    existing = tmp_path / "wbr.yaml"
    existing.write_text("title: mine\n", encoding="utf-8")
    with pytest.raises(WbrError, match="already exists"):
        write_starter_config(tmp_path / "metrics.csv", existing)
    assert existing.read_text(encoding="utf-8") == "title: mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.csv", "wbr.yaml"]


def _loader_error(path: Path, tmp_path: Path) -> str:
    config = tmp_path / "loader.yaml"
    config.write_text(
        f"title: t\nsources:\n  actuals: {{path: {path.name}, format: wide}}\n"
        "metrics:\n  a: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        load_data(load_config(config))
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.csv", b""), ("latin1.csv", "date,a\n2026-01-01,caf\xe9\n".encode("latin-1"))],
)
def test_an_unreadable_file_gives_the_loaders_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError) as caught:
        guess_config(Path(name))
    assert str(caught.value) == _loader_error(tmp_path / name, tmp_path)


def test_a_missing_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=r"^nope\.csv: file not found$"):
        guess_config(Path("nope.csv"))


def test_a_wide_file_with_a_text_column_says_to_write_it_long(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("Date,Applicants,Department\n1/1/2020,1,Engineering\n")
    with pytest.raises(DataError, match=r"Department hold text.*write it long"):
        guess_config(tmp_path / "d.csv")


def test_cli_writes_validates_and_prints_the_next_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLE, tmp_path / "metrics.csv")
    assert main(["init", "--from", "metrics.csv"]) == 0
    out = capsys.readouterr().out
    assert "wrote wbr.yaml: 14 metrics, long file" in out
    assert "wbr.yaml: OK" in out and "week ending: 2026-11-21" in out
    assert out.rstrip().endswith("next: wbr run")
    assert main(["init", "--from", "metrics.csv", "--out", "other.yaml"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("next: wbr run --config other.yaml")
    assert main(["init", "--from", "metrics.csv"]) == 2
    assert "wbr.yaml already exists" in capsys.readouterr().err


@pytest.mark.e2e
def test_readme_quick_start_from_a_csv_to_a_rendered_deck(tmp_path: Path) -> None:
    """`wbr init --from x.csv` then `wbr run`, nothing else written by hand."""
    import subprocess
    import sys

    wbr_command = Path(sys.executable).parent / "wbr"
    shutil.copy(APP_SAMPLE, tmp_path / "x.csv")
    for args in (["init", "--from", "x.csv"], ["run"]):
        done = subprocess.run(
            [str(wbr_command), *args], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    deck = tmp_path / "reports" / "2021-09-25" / "deck.html"
    assert deck.is_file() and "Pct customer group 1" in deck.read_text(encoding="utf-8")
