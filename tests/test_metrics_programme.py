"""metrics.programme on a tiny three-batch ledger."""
from __future__ import annotations

import pandas as pd

from metrics.programme import programme_by_district, programme_by_year
from test_metrics_support import ledger


def _ledger():
    return ledger([
        {"district": "市北区", "batch_year": 2022, "node": 6, "completed_investment_wan": 60.0},
        {"district": "市北区", "batch_year": 2022, "node": 2},
        {"district": "市南区", "batch_year": 2023, "node": 0, "households": 300},
        {"district": "市南区", "batch_year": 2024, "node": 0, "planned_investment_wan": 500.0},
    ])


def test_each_batch_year_and_the_programme_against_plan():
    p = programme_by_year(_ledger(), "2022-05-31")
    assert p["batch_year"].tolist() == ["2022", "2023", "2024", "合计"]
    assert p["planned"].tolist() == [2, 1, 1, 4]
    assert p["households"].tolist() == [200, 300, 100, 600]
    assert p["planned_investment_wan"].tolist() == [200.0, 100.0, 500.0, 800.0]
    assert p["started"].tolist() == [1, 0, 0, 1] and p["start_rate"].tolist() == [50.0, 0.0, 0.0, 25.0]
    assert p["investment_rate"].iloc[-1] == 7.5


def test_each_district_by_batch_year():
    d = programme_by_district(_ledger(), "2022-05-31")
    assert d["district"].unique().tolist() == ["市南区", "市北区"]
    north = d[d["district"] == "市北区"]
    assert north["batch_year"].tolist() == ["2022", "合计"] and north["started"].tolist() == [1, 1]
    assert pd.isna(d[(d["district"] == "市南区") & (d["batch_year"] == "2022")]).empty


def test_a_row_without_a_batch_year_counts_in_its_districts_total_only():
    frame = _ledger()
    frame.loc[1, "batch_year"] = pd.NA
    d = programme_by_district(frame, "2022-05-31")
    north = d[d["district"] == "市北区"]
    assert north["batch_year"].tolist() == ["2022", "合计"]
    assert north["planned"].tolist() == [1, 2] and north["started"].tolist() == [1, 1]
    assert north["start_rate"].tolist() == [100.0, 50.0]
    years = programme_by_year(frame, "2022-05-31")
    assert years["batch_year"].tolist() == ["2022", "2023", "2024", "合计"] and years["planned"].tolist() == [1, 1, 1, 4]
