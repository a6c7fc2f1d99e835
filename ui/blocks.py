"""Blocks that several pages show the same way (总览, 投资, 大屏): each picks its figure from the filters and draws
it, so the pages stay one line per block."""
from __future__ import annotations

import streamlit as st

from figures.trends import investment_trend_figure, programme_trend_figure
from ui import data, layout
from ui.filters import Filters


def trend_title(f: Filters) -> str:
    """The heading of the investment trend: one batch, or the programme of the selected batches."""
    if len(f.years) > 1:
        return f"{f.years[0]}—{f.years[-1]}年度累计完成投资　各年度及合计，与计划投资对比（亿元）"
    return f"{f.year}年度累计完成投资　与计划投资、上年同期对比（亿元）"


def investment_trend(f: Filters, *, theme: str, key: str, height: int | None = None) -> None:
    """One batch: its curve against last year's and the plan. Several batches (a 2022–2024 programme): each
    batch's curve, their sum and the summed plan — never the latest batch alone."""
    if len(f.years) > 1:
        fig = programme_trend_figure(data.batch_trend(*f.args), theme=theme, title=None)
    else:
        fig = investment_trend_figure(data.trend(f.version, f.as_of, f.year, f.districts), f.year, theme=theme,
                                      title=None)
    layout.chart(fig, key=key, height=height)
