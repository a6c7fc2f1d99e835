"""metrics.summary.ledger_summary on a tiny canonical frame."""
from __future__ import annotations

import pandas as pd

from loaders.schema import conform, empty_ledger, node_status
from metrics.summary import ledger_summary


def _frame():
    rows = [
        # district, node_reached, households, planned, completed, bundle, elevators
        ("市北区", 6, 100, 200.0, 50.0, "包A", 2),
        ("市北区", 7, 50, 100.0, 100.0, "包A", 0),
        ("市北区", 0, 30, 60.0, None, None, None),
        ("市南区", 8, 20, 40.5, 40.5, "包B", 1),
        ("市南区", 2, 10, 20.0, 0.0, " ", 3),
    ]
    f = pd.DataFrame(rows, columns=["district", "node_reached", "households", "planned_investment_wan",
                                    "completed_investment_wan", "bundle", "elevators_planned"])
    f["status"] = [node_status(n) for n in f["node_reached"]]
    f["community_id"] = [f"C{i}" for i in range(len(f))]
    return conform(f)


def test_ledger_summary_values():
    s = ledger_summary(_frame())
    assert s["rows"] == 5
    assert list(s["by_district"]) == ["市南区", "市北区"]        # administrative-code order
    assert s["by_district"]["市北区"] == {"communities": 3, "started": 2, "completed": 1, "households": 180,
                                        "planned_investment_wan": 360.0, "completed_investment_wan": 150.0}
    assert s["by_district"]["市南区"] == {"communities": 2, "started": 1, "completed": 1, "households": 30,
                                        "planned_investment_wan": 60.5, "completed_investment_wan": 40.5}
    assert s["by_status"] == {"未启动": 1, "意愿征求": 1, "开工": 1, "完工": 1, "验收": 1}
    assert s["by_node"] == {"摸底排查": 4, "意愿征求": 4, "方案设计": 3, "立项": 3, "招投标": 3, "开工": 3,
                            "完工": 2, "验收": 1}
    assert s["bundles"] == 2
    assert s["elevators_planned"] == 6


def test_ledger_summary_empty():
    s = ledger_summary(empty_ledger())
    assert s["rows"] == 0 and s["by_district"] == {} and s["bundles"] == 0 and s["elevators_planned"] == 0
    assert s["by_node"]["开工"] == 0
