from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from metrics.numbers import (
    fmt_count_change, fmt_date_cn, fmt_int, fmt_money_change_yi, fmt_month_day_cn, fmt_pct,
    fmt_points_change, fmt_rank_change, fmt_wan, fmt_wanhu, fmt_yi, round_half_up,
)


def test_round_half_up_not_bankers():
    assert round_half_up(94.35, 1) == 94.4      # float 94.35 is 94.3499999...; still shows 94.4
    assert round_half_up(0.25, 1) == 0.3
    assert round_half_up(94.339, 1) == 94.3
    assert round_half_up(-0.05, 1) == -0.1
    assert round_half_up(2.675, 2) == 2.68


def test_fmt_pct():
    assert fmt_pct(300 / 318 * 100) == "94.3%"
    assert fmt_pct(0.9434 * 100) == "94.3%"
    assert fmt_pct(94.339) == "94.3%"
    assert fmt_pct(94.35) == "94.4%"
    assert fmt_pct(105.0) == "105.0%"
    assert fmt_pct(0) == "0.0%"
    assert fmt_pct(None) == "—"
    assert fmt_pct(float("nan")) == "—"


def test_fmt_yi_and_wan():
    assert fmt_yi(70000) == "7.0亿元"
    assert fmt_yi(69960) == "7.0亿元"
    assert fmt_yi(12345678) == "1,234.6亿元"
    assert fmt_yi(None) == "—"
    assert fmt_wan(1234.5) == "1,234.5万元"
    assert fmt_wan(1234.56, decimals=2) == "1,234.56万元"
    assert fmt_wan(1234.55) == "1,234.6万元"
    assert fmt_wan(1234.5, unit=False) == "1,234.5"
    assert fmt_wan(np.nan) == "—"


def test_fmt_points_change():
    assert fmt_points_change(2.1) == "提高2.1个百分点"
    assert fmt_points_change(-0.4) == "降低0.4个百分点"
    assert fmt_points_change(0) == "持平"
    assert fmt_points_change(0.04) == "持平"      # shows 0.0
    assert fmt_points_change(-0.04) == "持平"
    assert fmt_points_change(0.05) == "提高0.1个百分点"
    assert fmt_points_change(None) == "—"


def test_fmt_money_change_yi():
    assert fmt_money_change_yi(58000) == "增加5.8亿元"
    assert fmt_money_change_yi(-3000) == "减少0.3亿元"
    assert fmt_money_change_yi(400) == "持平"
    assert fmt_money_change_yi(None) == "—"


def test_fmt_wanhu_int_area():
    assert fmt_wanhu(87654) == "8.77万户"
    assert fmt_wanhu(87650) == "8.77万户"
    assert fmt_wanhu(87649) == "8.76万户"
    assert fmt_wanhu(300000) == "30.00万户"
    assert fmt_int(1108) == "1,108"
    assert fmt_int(pd.NA) == "—"
    assert fmt_int(np.int64(300000)) == "300,000"


def test_fmt_changes():
    assert fmt_count_change(3) == "增加3个"
    assert fmt_count_change(-2, "户") == "减少2户"
    assert fmt_count_change(0) == "持平"
    assert fmt_rank_change(2) == "上升2位"
    assert fmt_rank_change(-1) == "下降1位"
    assert fmt_rank_change(0) == "持平"
    assert fmt_rank_change(None) == "—"


@pytest.mark.parametrize("d", [date(2022, 5, 31), datetime(2022, 5, 31, 8), pd.Timestamp("2022-05-31"), "2022-05-31"])
def test_fmt_date_cn(d):
    assert fmt_date_cn(d) == "2022年5月31日"
    assert fmt_month_day_cn(d) == "5月31日"


def test_fmt_date_cn_missing():
    assert fmt_date_cn(pd.NaT) == "—"
    assert fmt_date_cn(None) == "—"


def test_vectorised_rounding_matches_scalar():
    from metrics.numbers import fmt_wan_many, round_half_up_many
    values = [94.35, 0.25, 94.339, -0.05, 2.675, 1234.55, 1234.45, 0.0, -0.04, 12345678.95, 0.1 + 0.2, 1e-12]
    assert list(round_half_up_many(values, 1)) == [round_half_up(v, 1) for v in values]
    assert list(round_half_up_many(values, 2)) == [round_half_up(v, 2) for v in values]
    assert fmt_wan_many(values + [float("nan")]) == [fmt_wan(v) for v in values] + ["—"]
    assert fmt_wan_many([1234.5], unit=False) == ["1,234.5"]
