"""Display frames of the 本周变化 page (Chinese headers, numbers rounded as printed) from metrics.changes."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from exports.tables import table_labels
from metrics.numbers import round_half_up
from ui.tables import with_lights

MOVER_HEADERS = {
    "district": "区市", "light_before": "预警（前）", "light": "预警（后）",
    "start_rate_before": "开工率（前）", "start_rate": "开工率（后）", "start_rate_change": "开工率变化（百分点）",
    "started_before": "已开工（前）", "started": "已开工（后）",
    "investment_before_wan": "完成投资（前，万元）", "investment_wan": "完成投资（后，万元）",
    "investment_change_wan": "完成投资变化（万元）",
}


def _round(values, decimals: int) -> list:
    return [None if v is None or pd.isna(v) else round_half_up(float(v), decimals) for v in values]


def movers_table(movers: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Every district at the two dates side by side, with the changes."""
    out = movers[list(MOVER_HEADERS)].copy()
    for col in ("start_rate_before", "start_rate", "start_rate_change"):
        out[col] = _round(out[col], 2 if col == "start_rate_change" else 1)
    for col in ("investment_before_wan", "investment_wan", "investment_change_wan"):
        out[col] = _round(out[col], 1)
    for col in ("started_before", "started"):
        out[col] = out[col].astype("Int64")
    pct = st.column_config.NumberColumn(format="%.1f%%")
    number = st.column_config.NumberColumn(format="localized")
    config = {MOVER_HEADERS["start_rate_before"]: pct, MOVER_HEADERS["start_rate"]: pct,
              MOVER_HEADERS["start_rate_change"]: st.column_config.NumberColumn(format="%+.2f"),
              **{MOVER_HEADERS[c]: number for c in ("investment_before_wan", "investment_wan")},
              MOVER_HEADERS["investment_change_wan"]: st.column_config.NumberColumn(format="%+.1f")}
    return with_lights(out.rename(columns=MOVER_HEADERS).reset_index(drop=True), config,
                       MOVER_HEADERS["light_before"], MOVER_HEADERS["light"])


def communities_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Communities (id, name, district, street, status, responsible) with the ledger's Chinese headers."""
    labels = table_labels()
    return frame.rename(columns={c: labels.get(c, c) for c in frame.columns}).reset_index(drop=True)


def movers_line(movers: pd.DataFrame) -> str:
    """**开工率变化最大**：市北区（提高2.1个百分点），…　**完成投资增加最多**：…"""
    from metrics.changes import biggest_movers, fmt_money_change, fmt_points_change

    def line(column: str, label: str, fmt) -> str:
        top = biggest_movers(movers, column)
        named = "，".join(f"{r['district']}（{fmt(r[column])}）" for _, r in top.iterrows())
        return f"**{label}**：{named or '无变化'}"
    return (line("start_rate_change", "开工率变化最大", fmt_points_change) + "　　"
            + line("investment_change_wan", "完成投资增加最多", fmt_money_change))
