"""metrics.funnel on tiny in-memory ledgers."""
from __future__ import annotations

from metrics.funnel import funnel_by_district, funnel_history, reached_at, stage_funnel
from test_metrics_support import ledger


def _ledger():
    return ledger([
        {"district": "市北区", "node": 3, "actual_survey": "2021-10-01", "actual_consultation": "2021-11-01",
         "actual_design": "2021-12-20"},
        {"district": "市北区", "node": 2, "actual_survey": "2021-10-01", "actual_consultation": "2022-01-10"},
        {"district": "市南区", "node": 6, "actual_survey": "2021-09-01", "actual_consultation": "2021-09-10",
         "actual_design": "2021-10-01", "actual_approval": "2021-11-01", "actual_tender": "2021-12-01",
         "actual_start": "2022-03-01"},
        {"district": "市南区", "node": 0},
    ])


def test_a_stage_counts_every_community_at_it_or_beyond():
    f = stage_funnel(_ledger())
    assert f["stage"].tolist()[:3] == ["摸底排查", "意愿征求", "方案设计"]
    assert f["reached"].tolist() == [3, 3, 2, 1, 1, 1, 0, 0]
    assert f["share"].tolist()[0] == 75.0 and set(f["planned"]) == {4}


def test_the_funnel_by_district_and_over_time():
    by = funnel_by_district(_ledger())
    assert by["district"].unique().tolist() == ["市南区", "市北区"]          # official order
    assert by[by["district"] == "市北区"]["reached"].tolist() == [2, 2, 1, 0, 0, 0, 0, 0]
    assert reached_at(_ledger(), "2021-12-31").tolist() == [3, 1, 5, 0]
    history = funnel_history(_ledger(), ["2022-03-31", "2021-12-31"])
    end_2021 = history[history["report_date"] == "2021-12-31"]
    assert end_2021["reached"].tolist() == [3, 2, 2, 1, 1, 0, 0, 0]
    assert history["report_date"].iloc[-1].isoformat()[:10] == "2022-03-31"
