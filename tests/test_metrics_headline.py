import pandas as pd
import pytest

from metrics.headline import Headline, headline, headline_sentence
from test_metrics_support import ledger


def _batch(n_started: int, n_total: int, *, completed: int = 0, inv_each: float = 10.0, report_date=None):
    rows = []
    for i in range(n_total):
        node = 7 if i < completed else (6 if i < n_started else 3)
        rows.append(dict(district="市南区", node=node, households=100 + i, completed_investment_wan=inv_each,
                         planned_investment_wan=20.0, elevators_planned=1 if i % 2 else 0))
    return ledger(rows, report_date)


def test_sample_check_300_of_318():
    h = headline(_batch(300, 318))
    assert (h.planned, h.started) == (300 + 18, 300)
    assert round(h.start_rate, 1) == 94.3
    assert h.new_started is None and h.start_rate_change is None and h.investment_yoy_wan is None


def test_headline_changes():
    now = _batch(6, 10, completed=2, inv_each=30.0, report_date="2022-05-31")
    week = _batch(4, 10, completed=1, inv_each=20.0, report_date="2022-05-24")
    year = _batch(1, 5, inv_each=4.0)
    h = headline(now, week, year)
    assert isinstance(h, Headline)
    assert h.planned == 10 and h.started == 6 and h.new_started == 2
    assert h.start_rate == 60.0 and h.start_rate_change == pytest.approx(20.0)
    assert h.households == sum(100 + i for i in range(10))
    assert h.started_households == sum(100 + i for i in range(6)) == h.households_benefited
    assert h.household_start_rate == pytest.approx(615 / 1045 * 100)
    assert h.household_start_rate_change == pytest.approx((615 - 406) / 1045 * 100)
    assert h.completed == 2 and h.completed_change == 1
    assert h.completed_investment_wan == 300.0 and h.completed_investment_change_wan == 100.0
    assert h.planned_investment_wan == 200.0 and h.investment_completion_rate == 150.0
    assert h.last_year_completed_investment_wan == 20.0 and h.investment_yoy_wan == 280.0
    assert h.elevators_planned == 5
    assert h.report_date == pd.Timestamp("2022-05-31")


def test_headline_empty_comparisons_and_empty_current():
    h = headline(_batch(1, 2), ledger([]), ledger([]))
    assert h.new_started is None and h.investment_yoy_wan is None
    e = headline(ledger([]))
    assert e.planned == 0 and e.start_rate is None and e.completed_investment_wan == 0.0


def test_headline_sentence():
    now = _batch(6, 10, completed=2, inv_each=70000 / 10, report_date="2022-05-31")
    week = _batch(5, 10, completed=2, inv_each=6000.0)
    year = _batch(1, 5, inv_each=12000 / 5)
    text = headline_sentence(headline(now, week, year), "2022-05-31", 2022)
    assert text == ("截至2022年5月31日，全市2022年度计划改造老旧小区10个，已开工6个、约0.06万户，开工率60.0%，"
                    "较上周提高10.0个百分点；其中完工2个；本周新开工1个。累计完成投资7.0亿元，同比增加5.8亿元。")
    bare = headline_sentence(headline(now), "2022-05-31")
    assert bare == "截至2022年5月31日，全市计划改造老旧小区10个，已开工6个、约0.06万户，开工率60.0%；其中完工2个。累计完成投资7.0亿元。"
