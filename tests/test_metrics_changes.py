"""metrics.changes: change wording that never rounds a real change away, and the week-on-week comparison."""
from __future__ import annotations

from metrics.changes import fmt_money, fmt_money_change, fmt_points_change


def test_a_doubled_small_investment_is_a_change_in_wan_not_chiping():
    assert fmt_money(297) == "297.0万元" and fmt_money(605) == "605.0万元"
    assert fmt_money_change(605 - 297) == "增加308.0万元"
    assert fmt_money(70339.03) == "7.0亿元"
    assert fmt_money_change(71000 - 70588) == "增加412.0万元"      # 7.0 -> 7.1亿元 is not 持平
    assert fmt_money_change(58000) == "增加5.8亿元" and fmt_money_change(-3000) == "减少0.3亿元"
    assert fmt_money_change(0.03) == "增加0.03万元"
    assert fmt_money_change(70339.03 - 70339.030000001) == "持平"
    assert fmt_money_change(None) == "—"


def test_a_small_rate_change_gets_the_decimals_that_show_it():
    assert fmt_points_change(2.1) == "提高2.1个百分点"
    assert fmt_points_change(-0.04) == "降低0.04个百分点"
    assert fmt_points_change(0.0) == "持平"


def test_the_investment_card_shows_a_doubled_district_as_a_change():
    from metrics.headline import headline
    from test_metrics_support import ledger
    from ui.cards import overview_cards, shown_sign

    before = ledger([{"district": "平度市", "completed_investment_wan": 297.0, "planned_investment_wan": 900.0}])
    after = ledger([{"district": "平度市", "completed_investment_wan": 605.0, "planned_investment_wan": 900.0}])
    card = next(c for c in overview_cards(headline(after, before), headline(before)) if c.label.startswith("累计完成投资"))
    assert card.value == "605.0万元" and card.delta == "增加308.0万元" and shown_sign(card) == 1


def _week(nodes: dict[str, int], district: str = "市北区"):
    from test_metrics_support import ledger

    frame = ledger([{"district": district, "node": n} for n in nodes.values()])
    frame["community_id"] = list(nodes)
    return frame


def test_started_and_completed_this_week_are_the_communities_that_crossed_the_node():
    import pandas as pd

    from metrics.changes import completed_this_week, started_this_week

    before = _week({"A": 5, "B": 6, "C": 2})
    now = _week({"A": 6, "B": 7, "C": 2, "D": 6})          # D is new this week
    assert started_this_week(now, before)["community_id"].tolist() == ["A", "D"]
    assert completed_this_week(now, before)["community_id"].tolist() == ["B"]
    assert started_this_week(now, None)["community_id"].tolist() == ["A", "B", "D"]
    # an id listed twice a week before (two batches): its last row is the one compared
    twice = pd.concat([_week({"A": 6}), _week({"A": 2})], ignore_index=True)
    assert started_this_week(_week({"A": 6}), twice)["community_id"].tolist() == ["A"]
    assert started_this_week(_week({"A": 6}), twice.iloc[::-1])["community_id"].tolist() == []


def test_newly_overdue_nodes_lights_and_movers():
    import pandas as pd

    from metrics.changes import biggest_movers, district_movers, light_changes, newly_overdue
    from metrics.progress import district_progress

    def alerts(rows):
        return pd.DataFrame(rows, columns=["level", "community_id", "node_key"])

    now = alerts([("红", "A", "start"), ("红", "B", "design"), ("黄", "C", "start")])
    before = alerts([("红", "A", "start"), ("黄", "B", "design")])
    assert newly_overdue(now, before)[["community_id", "node_key"]].values.tolist() == [["B", "design"]]

    from test_metrics_support import ledger

    def state(started_north: int, invest: float):
        rows = [{"district": "市北区", "node": 6 if i < started_north else 0, "plan_start": "2022-01-01",
                 "completed_investment_wan": invest} for i in range(4)]
        rows += [{"district": "市南区", "node": 6, "plan_start": "2022-01-01"} for _ in range(2)]
        return district_progress(ledger(rows), "2022-05-31")

    movers = district_movers(state(4, 10.0), state(1, 5.0))
    north = movers[movers["district"] == "市北区"].iloc[0]
    assert north["start_rate_before"] == 25.0 and north["start_rate"] == 100.0 and north["start_rate_change"] == 75.0
    assert north["investment_change_wan"] == 4 * 5.0
    assert (north["light_before"], north["light"]) == ("红", "绿")
    assert light_changes(movers)["district"].tolist() == ["市北区"]
    assert biggest_movers(movers, "start_rate_change")["district"].tolist() == ["市北区"]   # 市南区 did not move
