"""Figure builders of the weekly meeting (issue 12), on tiny in-memory frames."""
from __future__ import annotations

import pandas as pd

from figures.theme import category_colors, palette


def _luminance(color: str) -> float:
    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_series_colour_stands_off_the_dark_paper():
    paper = _luminance(palette("dark")["paper"])
    assert all(_luminance(c) - paper > 0.2 for c in category_colors("dark")), category_colors("dark")
    assert category_colors("light")[7] == "#000000"        # black stays on white paper


def test_the_eighth_district_is_not_black_on_black():
    from figures.trends import weekly_investment_figure
    from loaders.config import district_names

    names = district_names()
    rows = [(d, name, v) for d in ("2022-05-20", "2022-05-27") for name, v in zip(names, range(10, 20))]
    series = pd.DataFrame(rows, columns=["report_date", "district", "completed_investment_wan"])
    series["report_date"] = pd.to_datetime(series["report_date"])
    series["planned_investment_wan"] = 100.0
    series["weekly_increment_wan"] = series.groupby("district")["completed_investment_wan"].diff()
    fig = weekly_investment_figure(series, theme="dark")
    jiaozhou = next(t for t in fig.data if t.name == "胶州市")
    assert _luminance(jiaozhou.marker.color) > 0.5


def test_programme_figure_draws_each_batch_the_sum_and_the_plan():
    from figures.trends import programme_trend_figure

    frame = pd.DataFrame({
        "report_date": pd.to_datetime(["2022-04-30", "2022-04-30", "2022-05-31", "2022-05-31"]),
        "batch_year": [2022, 2023, 2022, 2023], "completed_investment_wan": [70000.0, 0.0, 80000.0, 500.0],
        "planned_investment_wan": [300000.0, 500000.0, 300000.0, 500000.0]})
    fig = programme_trend_figure(frame)
    names = [t.name for t in fig.data]
    assert names == ["计划投资（2022—2023年度合计）", "2022年度", "2023年度", "2022—2023年度合计"]
    assert list(fig.data[3].y) == [7.0, 8.05] and list(fig.data[0].y) == [80.0, 80.0]
    assert fig.layout.annotations[0].text.startswith("8.1亿元")
