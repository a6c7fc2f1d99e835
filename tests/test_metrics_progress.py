import pandas as pd
import pytest

from metrics.progress import (
    city_total, district_progress, laggards_first, ranking_change, schedule_light, start_rate,
)
from test_metrics_support import ledger

RULES = {"district_schedule": {"yellow_behind": 10.0, "red_behind": 30.0}}


def test_start_rate():
    assert start_rate(300, 318) == pytest.approx(94.33962264)
    assert start_rate(0, 0) is None
    assert start_rate(5, 0) is None
    assert start_rate(12, 10) == 120.0          # may exceed 100
    assert start_rate(0, 4) == 0.0


@pytest.mark.parametrize("behind, light", [
    (-5.0, "绿"), (0.0, "绿"), (9.9, "绿"), (9.94, "绿"),
    (9.95, "黄"), (10.0, "黄"), (29.9, "黄"), (30.0, "黄"), (30.04, "黄"),
    (30.05, "红"), (30.1, "红"), (80.0, "红"), (None, "绿"),
])
def test_schedule_light_both_sides_of_each_boundary(behind, light):
    assert schedule_light(behind, RULES) == light


def test_schedule_light_accepts_section_and_reads_config():
    assert schedule_light(15, {"yellow_behind": 20, "red_behind": 40}) == "绿"
    assert schedule_light(31) == "红"             # config/warnings.toml: red_behind = 30


def _sample():
    # 市南区: 4 communities, 3 started, all 4 due -> schedule 100, start 75, behind 25 -> 黄
    # 市北区: 2 communities, 2 started (one completed), 1 due -> schedule 50, start 100 -> 绿
    # 黄岛区: 2 communities, 0 started, 2 due -> behind 100 -> 红; no plan date on one? see below
    rows = [
        dict(district="市南区", node=6, households=100, plan_start="2022-03-01", completed_investment_wan=50.0),
        dict(district="市南区", node=7, households=200, plan_start="2022-04-01", completed_investment_wan=80.0,
             elevators_planned=2),
        dict(district="市南区", node=8, households=300, plan_start="2022-05-31", completed_investment_wan=90.0),
        dict(district="市南区", node=5, households=400, plan_start="2022-05-01"),
        dict(district="市北区", node=6, households=50, plan_start="2022-05-01", completed_investment_wan=10.0),
        dict(district="市北区", node=7, households=50, plan_start="2022-06-01", completed_investment_wan=10.0),
        dict(district="黄岛区", node=2, households=80, plan_start="2022-01-01", completed_investment_wan=300.0),
        dict(district="黄岛区", node=0, households=80, plan_start=None),
    ]
    return ledger(rows)


def test_district_progress_values():
    p = district_progress(_sample(), "2022-05-31", RULES).set_index("district")
    assert list(p.index) == ["市南区", "市北区", "黄岛区"]        # official order
    sn = p.loc["市南区"]
    assert (sn.planned, sn.started, sn.completed) == (4, 3, 2)
    assert sn.start_rate == 75.0
    assert (sn.households, sn.started_households) == (1000, 600)
    assert sn.household_start_rate == 60.0
    assert sn.completed_investment_wan == 220.0
    assert sn.planned_investment_wan == 400.0
    assert sn.elevators_planned == 2
    assert sn.due_start == 4 and sn.schedule_rate == 100.0        # plan_start on as_of counts as due
    assert sn.behind_points == 25.0 and sn.light == "黄"
    sb = p.loc["市北区"]
    assert (sb.schedule_rate, sb.start_rate, sb.behind_points, sb.light) == (50.0, 100.0, -50.0, "绿")
    hd = p.loc["黄岛区"]
    # one community has no planned start: not due -> schedule 50
    assert (hd.due_start, hd.schedule_rate, hd.start_rate, hd.light) == (1, 50.0, 0.0, "红")
    assert p["rank_start"].to_dict() == {"市南区": 2, "市北区": 1, "黄岛区": 3}
    assert p["rank_investment"].to_dict() == {"市南区": 2, "市北区": 3, "黄岛区": 1}


def test_schedule_rate_depends_on_as_of():
    p = district_progress(_sample(), "2022-04-30", RULES).set_index("district")
    assert p.loc["市南区", "schedule_rate"] == 50.0       # 03-01 and 04-01 due
    assert p.loc["市南区", "light"] == "绿"               # behind -25


def test_ranking_ties_household_rate_then_official_order():
    rows = [
        # 崂山区 and 李沧区: both 50% by communities; 李沧区 higher by households -> ahead
        dict(district="崂山区", node=6, households=100), dict(district="崂山区", node=0, households=300),
        dict(district="李沧区", node=6, households=300), dict(district="李沧区", node=0, households=100),
        # 市北区 and 城阳区: identical on both rates -> official order: 市北区 (370203) before 城阳区 (370214)
        dict(district="城阳区", node=6), dict(district="城阳区", node=0),
        dict(district="市北区", node=6), dict(district="市北区", node=0),
    ]
    p = district_progress(ledger(rows), "2022-05-31", RULES).set_index("district")
    assert p.loc["李沧区", "rank_start"] == 1
    assert p.loc["市北区", "rank_start"] == 2
    assert p.loc["城阳区", "rank_start"] == 3
    assert p.loc["崂山区", "rank_start"] == 4
    # equal completed investment everywhere -> investment rank is the official order
    assert p["rank_investment"].to_dict() == {"市北区": 1, "崂山区": 2, "李沧区": 3, "城阳区": 4}


def test_laggards_first():
    p = district_progress(_sample(), "2022-05-31", RULES)
    assert list(laggards_first(p)["district"]) == ["黄岛区", "市南区", "市北区"]
    # same light: lower start rate first
    p2 = p.copy()
    p2["light"] = "绿"
    assert list(laggards_first(p2)["district"]) == ["黄岛区", "市南区", "市北区"]
    p2.loc[p2["district"] == "市北区", "light"] = "红"
    assert list(laggards_first(p2)["district"]) == ["市北区", "黄岛区", "市南区"]


def test_ranking_change():
    cur = pd.DataFrame({"district": ["市南区", "市北区", "黄岛区"], "rank_start": [1, 2, 3]})
    prev = pd.DataFrame({"district": ["市南区", "市北区"], "rank_start": [2, 1]})
    out = ranking_change(cur, prev).set_index("district")["rank_change"]
    assert out["市南区"] == 1 and out["市北区"] == -1
    assert pd.isna(out["黄岛区"])
    assert ranking_change(cur, None)["rank_change"].isna().all()


def test_empty_and_city_total():
    empty = district_progress(ledger([]), "2022-05-31", RULES)
    assert len(empty) == 0 and "start_rate" in empty.columns
    total = city_total(_sample(), "2022-05-31", RULES)
    assert (total["planned"], total["started"], total["due_start"]) == (8, 5, 6)
    assert total["start_rate"] == 62.5 and total["schedule_rate"] == 75.0
    assert total["light"] == "黄"
    assert city_total(ledger([]), "2022-05-31", RULES)["start_rate"] is None


def test_progress_of_the_snapshot_sums_ranks_as_the_rows_do_at_every_sample_date(sample_db):
    """district_progress_of_sums (last week's ranks beside this week's, no second ledger read) against
    district_progress of the rows: every column but the schedule's, at every report date of every batch, by
    district and by city."""
    from loaders.store import LedgerStore
    from metrics.progress import city_progress, district_progress_of_sums, official_order

    store = LedgerStore(sample_db)
    schedule = ["due_start", "schedule_rate", "behind_points", "light"]
    cities = {d: ("东城" if i % 2 else "西城") for i, d in enumerate(official_order())}
    compared = 0
    for years in ([2022], [2022, 2023, 2024]):
        for as_of in [d.isoformat() for d in store.report_dates(batch_years=years)]:
            frame = store.ledger_as_of(as_of, batch_years=years)
            picked = store.snapshot_totals(as_of, years)
            assert sorted(picked) == sorted(store.snapshot_aggregates(as_of, years).picked)
            for rows, sums in ((district_progress(frame, as_of), district_progress_of_sums(picked)),
                               (city_progress(frame, as_of, cities), district_progress_of_sums(picked, cities))):
                pd.testing.assert_frame_equal(sums.drop(columns=schedule), rows.drop(columns=schedule),
                                              check_dtype=False)
                assert sums["light"].isna().all() and len(sums) == len(rows)
                compared += 1
    assert compared > 100
