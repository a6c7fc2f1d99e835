import pandas as pd

from metrics.status import (
    LIGHT_COLORS, STATUS_GROUP_NAMES, group_of, next_due_node, status_color, status_group, status_legend,
)
from test_metrics_support import ledger


def test_status_group_boundaries():
    g = status_group(pd.Series([0, 1, 5, 6, 7, 8, None]))
    assert list(g) == ["未启动", "前期工作", "前期工作", "施工中", "已完工", "已验收", "未启动"]
    assert list(g.cat.categories) == STATUS_GROUP_NAMES
    assert group_of(9) == "未启动"


def test_colours_distinct_and_legend():
    legend = status_legend()
    assert [e["name"] for e in legend] == ["未启动", "前期工作", "施工中", "已完工", "已验收"]
    assert len({e["color"] for e in legend}) == 5
    assert status_color("施工中") == [0, 114, 178]
    assert status_color("施工中", 200) == [0, 114, 178, 200]
    assert set(LIGHT_COLORS) == {"红", "黄", "绿"}


def test_next_due_node():
    f = ledger([dict(node=5, plan_start="2022-06-01"), dict(node=0, plan_survey="2022-01-01"), dict(node=8),
                dict(node=6)])
    n = next_due_node(f)
    assert list(n["next_node"].fillna("-")) == ["开工", "摸底排查", "-", "完工"]
    assert n.loc[0, "next_node_planned"] == pd.Timestamp("2022-06-01")
    assert n.loc[1, "next_node_planned"] == pd.Timestamp("2022-01-01")
    assert pd.isna(n.loc[3, "next_node_planned"])
