import pandas as pd

from metrics.alerts import alerts_by_district, due_next_days, node_alerts, pending_nodes, stale_districts
from test_metrics_support import ledger

AS_OF = "2022-05-31"


def _frame():
    return ledger([
        # C001 reached 招投标 (5): 开工 planned 05-01 -> 30 days late (红); 完工 planned 06-10 -> due in 10 days (黄)
        dict(name="甲小区", district="市北区", node=5, plan_start="2022-05-01", plan_completion="2022-06-10",
             actual_tender="2022-04-01"),
        # C002 reached 开工: the earlier node without an actual date is not flagged (reached already);
        # 完工 planned 05-30 -> 1 day late (红); 验收 planned 06-30 -> outside 14 days
        dict(name="乙小区", district="市南区", node=6, plan_tender="2022-01-01", plan_completion="2022-05-30",
             plan_acceptance="2022-06-30"),
        # C003: 开工 planned today -> due today (黄, days_late 0); 立项 has an actual date -> not flagged
        dict(name="丙小区", district="市南区", node=3, plan_approval="2022-04-01", actual_approval="2022-04-02",
             plan_start="2022-05-31"),
        # C004: planned dates but an actual date after as_of counts as not done -> overdue 2 days (红)
        dict(name="丁小区", district="黄岛区", node=2, plan_design="2022-05-29", actual_design="2022-06-05"),
        # C005: no planned dates at all -> never flagged
        dict(name="戊小区", district="黄岛区", node=0),
        # C006: due exactly at the 14-day edge (黄) and 15 days (not flagged)
        dict(name="己小区", district="市北区", node=1, plan_consultation="2022-06-14", plan_design="2022-06-15"),
    ])


def test_node_alerts_levels_and_order():
    a = node_alerts(_frame(), AS_OF, due_soon_days=14)
    got = list(zip(a["level"], a["name"], a["node"], a["days_late"]))
    assert got == [
        ("红", "甲小区", "开工", 30),
        ("红", "丁小区", "方案设计", 2),
        ("红", "乙小区", "完工", 1),
        ("黄", "丙小区", "开工", 0),
        ("黄", "甲小区", "完工", -10),
        ("黄", "己小区", "意愿征求", -14),
    ]
    assert a.loc[0, "planned_date"] == pd.Timestamp("2022-05-01")
    assert a.loc[0, "district"] == "市北区" and a.loc[0, "responsible"] == "张三"
    assert list(a["days_to_due"]) == [-30, -2, -1, 0, 10, 14]


def test_node_alerts_due_soon_from_config_and_zero():
    assert len(node_alerts(_frame(), AS_OF)) == 6                    # config due_soon_days = 14
    a0 = node_alerts(_frame(), AS_OF, due_soon_days=0)
    assert list(a0["level"]) == ["红", "红", "红", "黄"]              # only the node due today stays 黄


def test_node_alerts_empty():
    assert len(node_alerts(ledger([]), AS_OF, 14)) == 0
    assert len(node_alerts(ledger([dict(district="市南区", node=8)]), AS_OF, 14)) == 0
    assert len(pending_nodes(ledger([]), AS_OF)) == 0


def test_due_next_days():
    d = due_next_days(_frame(), AS_OF, days=10)
    # due today is not "next week"; 06-10 is exactly 10 days; official order 市南区 before 市北区
    assert list(zip(d["district"], d["name"], d["node"])) == [("市北区", "甲小区", "完工")]
    d14 = due_next_days(_frame(), AS_OF, days=14)
    assert list(d14["name"]) == ["甲小区", "己小区"]
    assert len(due_next_days(_frame(), AS_OF, days=7)) == 0


def test_alerts_by_district():
    c = alerts_by_district(node_alerts(_frame(), AS_OF, 14))
    assert c.to_dict("records") == [
        {"district": "市南区", "red": 1, "yellow": 1},
        {"district": "市北区", "red": 1, "yellow": 2},
        {"district": "黄岛区", "red": 1, "yellow": 0},
    ]


def test_stale_districts_mapping_boundary():
    dates = {"市南区": "2022-05-31", "市北区": "2022-05-24", "黄岛区": "2022-05-23", "崂山区": "2022-04-30"}
    s = stale_districts(dates, AS_OF, stale_days=7)
    # 7 days old is on time; 8 days is stale
    assert list(s["district"]) == ["崂山区", "黄岛区"]
    assert list(s["days_old"]) == [31, 8]
    s2 = stale_districts(dates, AS_OF, stale_days=7, expected=["市南区", "莱西市"])
    assert list(s2["district"]) == ["莱西市", "崂山区", "黄岛区"]
    assert pd.isna(s2.loc[0, "latest_date"])


def test_stale_districts_from_totals_frame_and_config():
    totals = pd.DataFrame({
        "report_date": pd.to_datetime(["2022-05-24", "2022-05-24", "2022-05-31", "2022-05-31", "2022-06-07"]),
        "district": ["市南区", "市北区", "市南区", "市北区", "市北区"],
        "snapshot_date": pd.to_datetime(["2022-05-24", "2022-05-17", "2022-05-31", "2022-05-17", "2022-06-07"]),
    })
    s = stale_districts(totals, AS_OF)                                # config stale_ledger_days = 7
    assert s.to_dict("records") == [{"district": "市北区", "latest_date": pd.Timestamp("2022-05-17"), "days_old": 14}]
