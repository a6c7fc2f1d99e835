"""报送 states: tiny snapshot tables first, then the sample history (莱西市 未报送 in the week of 2022-05-31)."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from metrics import reporting

DEADLINE = reporting.parse_deadline(5, "12:00", "Asia/Shanghai")   # 周五 12:00


def snaps(*rows):
    """(id, district, report_date, imported_at, active, replaced_by)"""
    return pd.DataFrame([{"snapshot_id": i, "district": d, "report_date": date.fromisoformat(r),
                          "imported_at": t, "active": a, "replaced_by": rb, "source_name": f"{d}.xlsx",
                          "batch_year": 2023, "rows": 3} for i, d, r, t, a, rb in rows])


def test_on_time_late_and_missing_with_how_late_and_the_last_report():
    history = snaps(
        (1, "市南区", "2023-06-30", "2023-06-30T09:00:00+08:00", True, None),
        (2, "市北区", "2023-06-30", "2023-07-01T16:30:00+08:00", True, None),
        (3, "崂山区", "2023-06-23", "2023-06-23T08:00:00+08:00", True, None),
        (4, "李沧区", "2023-06-30", "2023-06-30T03:59:00+00:00", True, None),   # 11:59 in Qingdao
    )
    status = reporting.weekly_status(history, ["市南区", "市北区", "崂山区", "李沧区"], date(2023, 6, 28), DEADLINE,
                                     senders={1: "sn-clerk"})
    assert status[["district", "state", "late_text", "last_report_date", "sender", "data_note"]].values.tolist() == [
        ["市南区", "按时报送", "", date(2023, 6, 30), "sn-clerk", ""],
        ["市北区", "逾期报送", "逾期1天4小时", date(2023, 6, 30), "", ""],
        ["崂山区", "未报送", "", date(2023, 6, 23), "", "数据截至6月23日"],
        ["李沧区", "按时报送", "", date(2023, 6, 30), "", ""],
    ]
    assert status.loc[1, "late"] == timedelta(days=1, hours=4, minutes=30)


def test_a_withdrawn_report_does_not_count_and_a_late_correction_keeps_the_first_receipt():
    history = snaps(
        (1, "市南区", "2023-06-30", "2023-06-30T09:00:00+08:00", False, 2),     # replaced by #2 (late)
        (2, "市南区", "2023-06-30", "2023-07-03T09:00:00+08:00", True, None),
        (3, "市北区", "2023-06-30", "2023-06-30T09:00:00+08:00", False, None),  # withdrawn
    )
    status = reporting.weekly_status(history, ["市南区", "市北区"], date(2023, 6, 30), DEADLINE)
    assert status["state"].tolist() == ["按时报送", "未报送"]
    assert status.loc[1, "data_note"] == "尚无台账" and status.loc[1, "last_report_date"] is None


@pytest.mark.parametrize("delta,text", [
    (timedelta(minutes=5), "逾期5分"), (timedelta(hours=2), "逾期2小时"), (timedelta(days=3, minutes=7), "逾期3天"),
    (timedelta(seconds=20), "逾期不到1分钟"),
])
def test_late_text(delta, text):
    assert reporting.late_text(delta) == text


def test_deadline_settings_are_checked_in_chinese():
    with pytest.raises(ValueError, match="deadline_weekday 应为1（周一）至7（周日）"):
        reporting.parse_deadline(8, "12:00", "Asia/Shanghai")
    with pytest.raises(ValueError, match="deadline_time 应为 HH:MM"):
        reporting.parse_deadline(5, "中午", "Asia/Shanghai")
    assert DEADLINE.label() == "周五 12:00"


def test_reminder_lists_the_missing_districts_ready_to_copy():
    history = snaps((1, "市南区", "2023-06-30", "2023-06-30T09:00:00+08:00", True, None),
                    (2, "崂山区", "2023-06-16", "2023-06-16T09:00:00+08:00", True, None))
    status = reporting.weekly_status(history, ["市南区", "崂山区", "莱西市"], date(2023, 6, 30), DEADLINE)
    assert reporting.reminder_text(status, date(2023, 6, 30), DEADLINE, "青岛市") == (
        "【催报】青岛市城镇老旧小区改造本周（6月26日—7月2日）台账报送截止时间为6月30日（周五）12:00。截至目前，"
        "以下2个区市尚未报送：崂山区（最近一次报送6月16日）、莱西市（尚未报送过）。请尽快通过调度平台上传本周台账，谢谢！")
    done = reporting.weekly_status(history.iloc[:1], ["市南区"], date(2023, 6, 30), DEADLINE)
    assert reporting.reminder_text(done, date(2023, 6, 30), DEADLINE, "青岛市") == \
        "青岛市城镇老旧小区改造本周（6月26日—7月2日）台账：各区市均已报送，谢谢大家！"


# ------------------------------------------------------------------------------------------- the sample
def test_sample_history_laixi_has_not_reported_in_the_week_of_may_31(sample_db):
    from loaders.config import district_names
    from loaders.store import LedgerStore

    history = LedgerStore(sample_db).snapshots(include_inactive=True)
    status = reporting.weekly_status(history, district_names(), date(2022, 5, 31), DEADLINE).set_index("district")
    assert status.loc["莱西市", "state"] == "未报送"
    assert status.loc["莱西市", "last_report_date"] == date(2022, 5, 20)
    assert status.loc["莱西市", "data_note"] == "数据截至5月20日"
    assert (status.drop(index="莱西市")["state"] == "按时报送").all()
    note = reporting.overview_note(status.reset_index(), date(2022, 5, 31))
    assert note == ("本周（5月30日—6月5日）报送：9个区市按时报送，0个逾期报送，1个未报送：莱西市（数据截至5月20日，"
                    "图表中为旧台账）。")
    # the week before: 崂山区's own file came in the day after the deadline (the sample's receipt times)
    before = reporting.weekly_status(history, district_names(), date(2022, 5, 27), DEADLINE).set_index("district")
    assert before.loc["崂山区", ["state", "late_text"]].tolist() == ["逾期报送", "逾期1天4小时"]
    weeks = reporting.history(history, district_names(), date(2022, 5, 31), 3, DEADLINE)
    assert weeks["周次"].tolist() == ["5月30日—6月5日", "5月23日—5月29日", "5月16日—5月22日"]
    assert weeks["莱西市"].tolist() == ["未报送", "未报送", "逾期1天4小时"]
