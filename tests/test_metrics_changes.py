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
