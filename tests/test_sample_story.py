"""The sample history, read through the real reader into a store, tells the article's story (issue 3 §7).

Builds a store from sample_data/ledgers once per session (it takes a while: every weekly file goes through
read_ledger) and checks every figure of the story, through the store API and the `summary` command.
"""
from __future__ import annotations

import json
from datetime import date

import pytest

from loaders import config

pytestmark = pytest.mark.slow

LEDGERS = config.sample_ledgers_dir()


@pytest.fixture(scope="session")
def story_db(sample_db):
    return sample_db


@pytest.fixture(scope="session")
def story(story_db):
    from loaders.store import LedgerStore

    return LedgerStore(story_db)


def summary(db, capsys, *argv) -> dict:
    from cli.main import main

    code = main(["summary", "--db", str(db), "--json", *argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def yi(wan: float) -> str:
    from metrics.numbers import fmt_yi

    return fmt_yi(wan)


def test_2022_batch_318_communities_300_started(story_db, capsys):
    got = summary(story_db, capsys, "--as-of", "2022-05-31", "--batch-year", "2022")
    assert got["report_date"] == "2022-05-31"
    assert got["rows"] == 318
    assert len(got["by_district"]) == 10
    started = sum(d["started"] for d in got["by_district"].values())
    assert started == 300
    assert got["by_node"]["开工"] == 300
    from metrics.numbers import fmt_pct

    assert fmt_pct(100 * started / got["rows"]) == "94.3%"


def test_consultation_and_design_by_end_of_2021(story_db, capsys):
    got = summary(story_db, capsys, "--as-of", "2021-12-31", "--batch-year", "2022")
    assert got["by_node"]["意愿征求"] == 273
    assert got["by_node"]["方案设计"] == 216


def test_completed_investment_year_on_year(story):
    now = story.ledger_as_of(date(2022, 4, 30), batch_years=2022)["completed_investment_wan"].sum()
    year_ago = story.ledger_as_of(date(2021, 4, 30), batch_years=2021)["completed_investment_wan"].sum()
    assert yi(now) == "7.0亿元"
    assert yi(year_ago) == "1.2亿元"
    assert yi(now - year_ago) == "5.8亿元"
    # the trend table (per-snapshot totals) gives the same figures
    totals = story.totals_by_date()
    def as_of(d, batch):
        t = totals[(totals["batch_year"] == batch) & (totals["report_date"] <= str(d))]
        last = t["report_date"].max()
        return t[t["report_date"] == last]["completed_investment_wan"].sum()
    assert as_of(date(2022, 4, 30), 2022) == pytest.approx(now)
    assert as_of(date(2021, 4, 30), 2021) == pytest.approx(year_ago)


def test_bundles_and_elevators_of_2022(story_db, capsys):
    got = summary(story_db, capsys, "--as-of", "2022-05-31", "--batch-year", "2022")
    assert got["bundles"] == 120
    assert got["elevators_planned"] == 100


def test_2022_to_2024_plan(story_db, capsys):
    got = summary(story_db, capsys, "--as-of", "2022-05-31", "--batch-year", "2022-2024")
    assert got["rows"] == 1108
    assert sum(d["communities"] for d in got["by_district"].values()) == 1108
    assert sum(d["households"] for d in got["by_district"].values()) == 300_000
    planned = sum(d["planned_investment_wan"] for d in got["by_district"].values())
    assert planned == pytest.approx(1_400_000, abs=0.5)
    assert yi(planned) == "140.0亿元"


def test_history_is_weekly_and_complete(story):
    dates = story.report_dates()
    assert dates[-1] == date(2022, 5, 31)
    assert dates[0] <= date(2021, 1, 31)
    # as of the last date every district has a 2022-batch ledger (some may be a week late)
    picked = story.selected_snapshots(date(2022, 5, 31), batch_years=2022)
    assert set(picked["district"]) == set(config.district_names())
    assert min(picked["report_date"]) >= date(2022, 5, 1)
    # weekly: no gap longer than a week between consecutive report dates
    gaps = [(b - a).days for a, b in zip(dates, dates[1:])]
    assert max(gaps) <= 7


def test_stored_rows_equal_what_the_reader_returned(story):
    """Round trip: a stored snapshot gives back exactly the reader's canonical rows, dtypes included."""
    import pandas as pd

    from loaders import schema
    from loaders.reader import read_ledger

    folder = LEDGERS / "2022-05-31"
    workbook = sorted(folder.glob("*.xlsx"))[0]
    result = read_ledger(workbook, source_name=workbook.name, report_date=date(2022, 5, 31))
    expected = schema.conform(result.frame).sort_values("community_id").reset_index(drop=True)
    districts = sorted(set(expected["district"]))
    got = story.ledger_as_of(date(2022, 5, 31), districts=districts)
    got = got[got["report_date"] == pd.Timestamp("2022-05-31")].drop(columns="report_date")
    got = got.sort_values("community_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
