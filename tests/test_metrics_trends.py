import math

import pandas as pd
import pytest

from metrics.trends import district_investment_series, funding_by_source, investment_trend, value_at
from test_metrics_support import ledger


def _totals():
    rows = [
        # previous batch (2021): reported on its own dates
        ("2021-03-31", "市南区", 2021, 3000.0, 50000.0),
        ("2021-04-30", "市南区", 2021, 8000.0, 50000.0),
        ("2021-04-30", "市北区", 2021, 4000.0, 30000.0),
        ("2021-05-31", "市南区", 2021, 9000.0, 50000.0),
        ("2021-05-31", "市北区", 2021, 5000.0, 30000.0),
        # current batch (2022)
        ("2022-02-28", "市南区", 2022, 10000.0, 90000.0),
        ("2022-04-30", "市南区", 2022, 40000.0, 90000.0),
        ("2022-04-30", "市北区", 2022, 30000.0, 60000.0),
        ("2022-05-07", "市南区", 2022, 45000.0, 90000.0),
        ("2022-05-07", "市北区", 2022, 31000.0, 60000.0),
        ("2022-05-07", "黄岛区", 2023, 99999.0, 99999.0),   # another batch: ignored
    ]
    return pd.DataFrame(rows, columns=["report_date", "district", "batch_year", "completed_investment_wan",
                                       "planned_investment_wan"]).assign(report_date=lambda d: pd.to_datetime(d.report_date))


def test_investment_trend_sample_shape():
    t = investment_trend(_totals(), 2022)
    assert list(t["report_date"].dt.strftime("%Y-%m-%d")) == ["2022-02-28", "2022-04-30", "2022-05-07"]
    assert list(t["completed_investment_wan"]) == [10000.0, 70000.0, 76000.0]
    assert list(t["planned_investment_wan"]) == [90000.0, 150000.0, 150000.0]
    # the previous batch as of one year earlier, aligned by date (as-of, backward)
    assert math.isnan(t.loc[0, "previous_batch_wan"])                      # nothing on or before 2021-02-28
    assert t.loc[1, "previous_batch_wan"] == 12000.0                       # 2021-04-30 exactly
    assert t.loc[2, "previous_batch_wan"] == 12000.0                       # 2021-05-07 -> 2021-04-30
    assert t.loc[2, "previous_batch_date"] == pd.Timestamp("2021-04-30")
    assert math.isnan(t.loc[0, "weekly_increment_wan"])
    assert list(t["weekly_increment_wan"][1:]) == [60000.0, 6000.0]
    # the check: 7.0亿元 at 2022-04-30 against 1.2亿元 a year earlier
    assert value_at(t, "2022-04-30") == 70000.0
    assert value_at(t, "2022-04-30", "previous_batch_wan") == 12000.0


def test_investment_trend_districts_filter_and_empty():
    t = investment_trend(_totals(), 2022, districts=["市北区"])
    assert list(t["completed_investment_wan"]) == [30000.0, 31000.0]
    assert list(t["previous_batch_wan"]) == [4000.0, 4000.0]
    assert len(investment_trend(_totals(), 2030)) == 0
    only_current = investment_trend(_totals()[lambda d: d.batch_year == 2022], 2022)
    assert only_current["previous_batch_wan"].isna().all()


def test_leap_day_alignment():
    totals = pd.DataFrame({"report_date": pd.to_datetime(["2023-02-28", "2024-02-29"]), "district": ["市南区"] * 2,
                           "batch_year": [2023, 2024], "completed_investment_wan": [5.0, 7.0],
                           "planned_investment_wan": [10.0, 10.0]})
    assert investment_trend(totals, 2024).loc[0, "previous_batch_wan"] == 5.0


def test_value_at():
    t = investment_trend(_totals(), 2022)
    assert value_at(t, "2022-05-01") == 70000.0
    assert value_at(t, "2022-01-01") is None
    assert value_at(t, "2022-02-28", "previous_batch_wan") is None


def test_district_investment_series():
    s = district_investment_series(_totals(), 2022)
    assert list(zip(s["report_date"].dt.strftime("%m-%d"), s["district"], s["completed_investment_wan"])) == [
        ("02-28", "市南区", 10000.0), ("04-30", "市南区", 40000.0), ("04-30", "市北区", 30000.0),
        ("05-07", "市南区", 45000.0), ("05-07", "市北区", 31000.0)]
    inc = s.set_index(["district", s["report_date"].dt.strftime("%m-%d")])["weekly_increment_wan"]
    assert inc[("市南区", "04-30")] == 30000.0 and inc[("市北区", "05-07")] == 1000.0
    assert math.isnan(inc[("市北区", "04-30")])


def test_funding_by_source():
    f = ledger([dict(district="市北区", fund_central_wan=10.0, fund_resident_wan=1.0),
                dict(district="市南区", fund_central_wan=5.0),
                dict(district="市南区", fund_central_wan=2.5, fund_resident_wan=None)])
    out = funding_by_source(f)
    assert list(out.columns) == ["district", "fund_central_wan", "fund_resident_wan", "total_wan"]
    assert out.to_dict("records") == [
        {"district": "市南区", "fund_central_wan": 7.5, "fund_resident_wan": 0.0, "total_wan": 7.5},
        {"district": "市北区", "fund_central_wan": 10.0, "fund_resident_wan": 1.0, "total_wan": 11.0},
    ]
    assert len(funding_by_source(ledger([dict(district="市南区")]))) == 0


def test_trend_and_series_end_at_the_report_date():
    """A past week's view shows that week's curve, never the weeks after it."""
    t = investment_trend(_totals(), 2022, as_of="2022-04-30")
    assert list(t["report_date"].dt.strftime("%Y-%m-%d")) == ["2022-02-28", "2022-04-30"]
    assert value_at(t, "2022-05-31") == 70000.0
    s = district_investment_series(_totals(), 2022, as_of="2022-04-30")
    assert s["report_date"].max() == pd.Timestamp("2022-04-30")
    assert len(s) == 3


def test_batch_trends_keep_each_batch_and_sum_to_the_programme():
    from metrics.trends import batch_trends, programme_totals

    t = batch_trends(_totals(), [2022, 2023], as_of="2022-05-07")
    assert t.columns.tolist() == ["report_date", "batch_year", "completed_investment_wan", "planned_investment_wan"]
    assert t[t["batch_year"] == 2022]["completed_investment_wan"].tolist() == [10000.0, 70000.0, 76000.0]
    assert t[t["batch_year"] == 2023]["planned_investment_wan"].tolist() == [99999.0]
    total = programme_totals(t)
    assert total["completed_investment_wan"].tolist() == [10000.0, 70000.0, 175999.0]
    assert total["planned_investment_wan"].tolist() == [90000.0, 150000.0, 249999.0]
    assert len(batch_trends(_totals(), [2022], as_of="2022-03-01")) == 1     # cut at the as-of date


def test_district_series_of_several_batches_is_their_sum():
    one = district_investment_series(_totals(), 2022)
    both = district_investment_series(_totals(), [2022, 2023])
    huangdao = both[both["district"] == "黄岛区"]
    assert huangdao["completed_investment_wan"].tolist() == [99999.0]
    assert len(both) == len(one) + 1
