"""Tables as people read them: Chinese headers, units, numbers kept as numbers (so columns sort) but rounded
half-up like metrics.numbers prints them, and the Streamlit column formats that show them.

Each function returns (frame, column_config) for st.dataframe; no figure is computed here, only selected,
renamed and rounded.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from exports.tables import ledger_table, table_labels
from loaders.schema import ACTUAL_COLUMNS, FUND_SOURCES, PLAN_COLUMNS
from metrics.numbers import round_half_up
from metrics.status import LIGHT_COLORS

PCT = st.column_config.NumberColumn(format="%.1f%%")
WAN = st.column_config.NumberColumn(format="localized")
INT = st.column_config.NumberColumn(format="localized")
YEAR = st.column_config.NumberColumn(format="%d")
DAY = st.column_config.DateColumn(format="YYYY-MM-DD")
COORD = st.column_config.NumberColumn(format="%.6f")


def _round(series: pd.Series, decimals: int = 1) -> pd.Series:
    return series.map(lambda v: None if v is None or pd.isna(v) else round_half_up(float(v), decimals))


# 红/黄/绿 as pills in the figures' colours, drawn by the data grid itself: a Styler painting the cells cost a third
# of every session's time on the overview (bench/bench_load.py), the pills nothing measurable.
LIGHT = st.column_config.MultiselectColumn(options=list(LIGHT_COLORS), color=list(LIGHT_COLORS.values()),
                                           width=52)    # one character: the ranking's eleven columns fit 1600 px


def with_lights(frame: pd.DataFrame, config: dict, *columns: str) -> tuple[pd.DataFrame, dict]:
    """`frame` with each of `columns` (红/黄/绿 words) as one-word lists, which LIGHT shows as coloured pills, and
    `config` with LIGHT for them; anything else in such a column shows as an empty cell."""
    out = frame.copy()
    for column in columns:
        out[column] = [[v] if v in LIGHT_COLORS else [] for v in frame[column]]
    return out, {**config, **{column: LIGHT for column in columns}}


# ------------------------------------------------------------------------------------------------ rankings
RANKING_HEADERS = {
    "rank_start": "开工率排名", "district": "区市", "planned": "计划（个）", "started": "已开工（个）",
    "start_rate": "开工率", "household_start_rate": "户数开工率", "schedule_rate": "序时进度",
    "behind_points": "落后百分点", "light": "预警", "completed": "已完工（个）",
    "completed_investment_wan": "累计完成投资（万元）", "rank_investment": "投资排名",
}


RANKING_NOTE = "数据截至"   # the column that marks a district shown with an older ledger: 数据截至 | 5月20日


def ranking_table(progress: pd.DataFrame, notes: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict]:
    """District ranking by start rate, with the investment ranking beside it. `notes` (district ->
    "数据截至5月20日", metrics.reporting.older_ledger_notes) fill a 数据截至 column beside the district's name
    with the older ledger's date (empty for a district shown with the selected date's ledger): the date alone,
    so that the table still fits a 1600-pixel screen."""
    ordered = progress.sort_values("rank_start") if len(progress) else progress
    out = ordered[[c for c in RANKING_HEADERS if c in ordered.columns]].copy()
    if notes:
        out.insert(out.columns.get_loc("district") + 1, RANKING_NOTE,
                   [notes.get(str(d), "").removeprefix(RANKING_NOTE) for d in out["district"]])
    for col in ("start_rate", "household_start_rate", "schedule_rate", "behind_points"):
        out[col] = _round(out[col], 1)
    out["completed_investment_wan"] = _round(out["completed_investment_wan"], 1)
    out = out.rename(columns=RANKING_HEADERS).reset_index(drop=True)
    small = {"width": "small"}  # eleven columns must fit a 1600-pixel screen without scrolling
    config = {RANKING_HEADERS["start_rate"]: st.column_config.NumberColumn(format="%.1f%%", help="已开工小区数 ÷ 计划小区数"),
              RANKING_HEADERS["household_start_rate"]: st.column_config.NumberColumn(
                  format="%.1f%%", help="已开工小区户数 ÷ 计划小区户数"),
              RANKING_HEADERS["schedule_rate"]: st.column_config.NumberColumn(
                  format="%.1f%%", help="计划开工日期已到的小区占比（序时进度）")}
    config.update({RANKING_HEADERS["behind_points"]: st.column_config.NumberColumn(
                       format="%.1f", help="序时进度 − 开工率，单位：百分点；超过30为红，10～30为黄"),
                   RANKING_HEADERS["completed_investment_wan"]: st.column_config.NumberColumn(format="localized"),
                   RANKING_HEADERS["planned"]: st.column_config.NumberColumn(format="localized", **small),
                   RANKING_HEADERS["started"]: st.column_config.NumberColumn(format="localized", **small),
                   RANKING_HEADERS["completed"]: st.column_config.NumberColumn(**small),
                   RANKING_HEADERS["rank_start"]: st.column_config.NumberColumn(**small),
                   RANKING_HEADERS["rank_investment"]: st.column_config.NumberColumn(**small),
                   RANKING_HEADERS["district"]: st.column_config.TextColumn(**small),
                   RANKING_NOTE: st.column_config.TextColumn(
                       width=64, help="该区（市）的数字来自所选日期之前的旧台账，数据截至此日；空白：所选日期的台账")})
    return with_lights(out, config, RANKING_HEADERS["light"])


# -------------------------------------------------------------------------------------------------- alerts
ALERT_HEADERS = {
    "level": "预警", "name": "小区", "district": "区市", "street": "街道", "node": "节点", "planned_date": "计划时间",
    "days_late": "逾期天数", "days_to_due": "距计划时间（天）", "responsible": "责任人",
}


def alerts_note(view: dict) -> str:
    """共12个逾期节点、5个临期节点（显示前200条）."""
    note = f"共{view['red']:,}个逾期节点（红）、{view['yellow']:,}个{view['due_soon_days']}天内到期节点（黄）"
    if view["red"] + view["yellow"] > len(view["rows"]):
        note += f"；下表列出最紧迫的{len(view['rows']):,}条"
    return note + "。"


def alerts_table(alerts: pd.DataFrame, limit: int | None = None) -> tuple[pd.DataFrame, dict]:
    """Overdue (红) and due-soon (黄) nodes as node_alerts ordered them (most overdue first)."""
    rows = alerts.head(limit) if limit else alerts
    out = rows[[c for c in ALERT_HEADERS if c in rows.columns]].copy()
    if len(out):
        red = out["level"] == "红"
        out["days_late"] = out["days_late"].where(red)
        out["days_to_due"] = out["days_to_due"].where(~red)
        out["days_late"] = out["days_late"].astype("Int64")
        out["days_to_due"] = out["days_to_due"].astype("Int64")
    out = out.rename(columns=ALERT_HEADERS).reset_index(drop=True)
    return with_lights(out, {ALERT_HEADERS["planned_date"]: DAY}, ALERT_HEADERS["level"])


# -------------------------------------------------------------------------------------------------- ledger
COMMUNITY_COLUMNS = ["community_id", "name", "street", "status", "households", "planned_investment_wan",
                     "completed_investment_wan", "plan_start", "actual_start", "plan_completion",
                     "actual_completion", "bundle", "renovation_class", "responsible"]


def ledger_view(frame: pd.DataFrame, columns: list[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """The canonical ledger as a table (exports.ledger_table headers) and its column formats."""
    table = ledger_table(frame, columns)
    labels = table_labels()
    config = {}
    for col in ("planned_investment_wan", "completed_investment_wan", "floor_area_m2",
                *[c for c, _ in FUND_SOURCES]):
        config[labels[col]] = WAN
    for col in ("households", "buildings", "elevators_planned"):
        config[labels[col]] = INT
    for col in ("batch_year", "built_year"):
        config[labels[col]] = YEAR
    for col in (*PLAN_COLUMNS, *ACTUAL_COLUMNS, "report_date"):
        config[labels[col]] = DAY
    for col in ("lon", "lat"):
        config[labels[col]] = COORD
    return table, {k: v for k, v in config.items() if k in table.columns}


def community_details(row: pd.Series) -> pd.DataFrame:
    """One community's fields as two columns (项目, 内容) for the detail panel beside the map."""
    labels = table_labels()
    items = []
    for col in ("name", "community_id", "district", "street", "status", "status_text", "batch_year", "households",
                "buildings", "renovation_class", "items", "bundle", "planned_investment_wan",
                "completed_investment_wan", "elevators_planned", "responsible", "report_date"):
        if col in row.index and not (row[col] is None or (not isinstance(row[col], str) and pd.isna(row[col]))):
            value = row[col]
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat()
            elif isinstance(value, float):
                value = f"{round_half_up(value, 1):,.1f}"
            items.append((labels.get(col, col), str(value)))
    return pd.DataFrame(items, columns=["项目", "内容"])


# --------------------------------------------------------------------------------------- history and reports
SNAPSHOT_HEADERS = {"report_date": "截至日期", "district": "区市", "batch_year": "改造年度", "rows": "小区数（行）",
                    "source_name": "来源文件", "imported_at": "导入时间", "snapshot_id": "快照编号"}


def snapshot_table(snapshots: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The snapshot history, newest first."""
    rows = snapshots.sort_values(["imported_at", "report_date", "district", "batch_year"],
                                 ascending=[False, False, True, True])
    out = rows[[c for c in SNAPSHOT_HEADERS if c in rows.columns]].copy()
    # imported_at is stored as ISO text with the server's offset; shown in local wall-clock time
    out["imported_at"] = pd.to_datetime(out["imported_at"], errors="coerce").map(
        lambda t: t.strftime("%Y-%m-%d %H:%M:%S") if pd.notna(t) else None)
    out = out.rename(columns=SNAPSHOT_HEADERS)
    return out.reset_index(drop=True), {SNAPSHOT_HEADERS["batch_year"]: YEAR, SNAPSHOT_HEADERS["rows"]: INT,
                                        SNAPSHOT_HEADERS["report_date"]: DAY}


ISSUE_HEADERS = {"level": "类别", "sheet": "工作表", "row": "行", "column": "列", "value": "值", "message": "说明"}


def issues_table(result) -> pd.DataFrame:
    """The reader's report of one file: errors first, then warnings; sheet, row, column, value, message."""
    rows = [{"level": "错误", **issue.to_dict()} for issue in result.errors]
    rows += [{"level": "提示", **issue.to_dict()} for issue in result.warnings]
    frame = pd.DataFrame(rows, columns=list(ISSUE_HEADERS))
    frame["row"] = frame["row"].astype("Int64")
    return frame.rename(columns=ISSUE_HEADERS)


INVESTMENT_HEADERS = {"rank_investment": "投资排名", "district": "区市", "planned_investment_wan": "计划投资（万元）",
                      "completed_investment_wan": "累计完成投资（万元）", "investment_rate": "完成率"}


def investment_table(progress: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Districts by completed investment, with the plan and the completion rate (metrics.progress.start_rate
    is the same ratio: done over planned, in percent)."""
    from metrics.progress import start_rate

    ordered = progress.sort_values("rank_investment") if len(progress) else progress
    out = ordered[["rank_investment", "district", "planned_investment_wan", "completed_investment_wan"]].copy()
    out["investment_rate"] = [start_rate(done, plan) for done, plan in
                              zip(out["completed_investment_wan"], out["planned_investment_wan"])]
    for col in ("planned_investment_wan", "completed_investment_wan", "investment_rate"):
        out[col] = _round(out[col], 1)
    out = out.rename(columns=INVESTMENT_HEADERS).reset_index(drop=True)
    return out, {INVESTMENT_HEADERS["planned_investment_wan"]: WAN,
                 INVESTMENT_HEADERS["completed_investment_wan"]: WAN, INVESTMENT_HEADERS["investment_rate"]: PCT}
