"""报送: which districts have sent this week's ledger, on time or late, and which have not (pure functions).

A reporting week runs Monday to Sunday; its deadline is a weekday and time of that week (settings [reporting]).
A district has reported for a week when a snapshot of it with a report date in that week was received (the
store's imported_at, in the bureau's time zone) and is still in force: active, or replaced by a newer version
(a withdrawn snapshot does not count). The first receipt decides 按时 / 逾期; a later correction does not make an
on-time report late.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from metrics.numbers import fmt_month_day_cn

ON_TIME, LATE, MISSING = "按时报送", "逾期报送", "未报送"
WEEKDAYS = "一二三四五六日"
COLUMNS = ["district", "state", "report_date", "received_at", "late", "late_text", "last_report_date", "sender",
           "source_name", "data_note"]


@dataclass(frozen=True)
class Deadline:
    weekday: int        # 1 = Monday … 7 = Sunday
    at: time
    zone: ZoneInfo

    def label(self) -> str:
        return f"周{WEEKDAYS[self.weekday - 1]} {self.at.strftime('%H:%M')}"


def parse_deadline(weekday: int, at: str, zone: str) -> Deadline:
    """The [reporting] settings as a Deadline; ValueError (Chinese) when they are not a weekday and HH:MM."""
    if int(weekday) not in range(1, 8):
        raise ValueError(f"[reporting] deadline_weekday 应为1（周一）至7（周日），而不是 {weekday}")
    try:
        clock = datetime.strptime(str(at).strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"[reporting] deadline_time 应为 HH:MM，如 12:00，而不是「{at}」") from None
    return Deadline(int(weekday), clock, ZoneInfo(zone))


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def deadline_of(day: date, deadline: Deadline) -> datetime:
    """The deadline of the week holding `day` (aware, in the bureau's zone)."""
    monday, _ = week_of(day)
    return datetime.combine(monday + timedelta(days=deadline.weekday - 1), deadline.at, tzinfo=deadline.zone)


def week_label(day: date) -> str:
    monday, sunday = week_of(day)
    return f"{fmt_month_day_cn(monday)}—{fmt_month_day_cn(sunday)}"


def late_text(delta: timedelta) -> str:
    """逾期1天4小时30分 style (minutes dropped from a delay of days)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分" if mins and not days else ""]
    return "逾期" + ("".join(parts) or "不到1分钟")


def _received(snapshots: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """Snapshots still in force (active or replaced, not withdrawn) with report_date as date and received_at
    as an aware datetime in `zone`."""
    snaps = snapshots.copy()
    if "replaced_by" in snaps.columns:
        snaps = snaps[snaps["active"].astype(bool) | snaps["replaced_by"].notna()]
    snaps["report_date"] = [pd.Timestamp(d).date() for d in snaps["report_date"]]
    snaps["received_at"] = [datetime.fromisoformat(str(t)).astimezone(zone) for t in snaps["imported_at"]]
    return snaps


def weekly_status(snapshots: pd.DataFrame, districts: list[str], day: date, deadline: Deadline, *,
                  senders: dict[int, str] | None = None) -> pd.DataFrame:
    """One row per district (in the given order) for the week holding `day`; columns COLUMNS.

    `snapshots`: the store's snapshots(include_inactive=True) (snapshot_id, district, report_date, imported_at,
    active, replaced_by, source_name). `senders`: snapshot id -> login of who sent it (from the audit log).
    data_note says where an older ledger's figures come from (数据截至5月20日) when the district has not
    reported this week."""
    senders = senders or {}
    monday, sunday = week_of(day)
    due = deadline_of(day, deadline)
    snaps = _received(snapshots, deadline.zone)
    rows = []
    for district in districts:
        mine = snaps[snaps["district"] == district]
        this_week = mine[(mine["report_date"] >= monday) & (mine["report_date"] <= sunday)]
        earlier = mine[mine["report_date"] < monday]
        last = max(earlier["report_date"]) if len(earlier) else None
        if len(this_week):
            first = this_week.sort_values("received_at", kind="stable").iloc[0]
            late = first["received_at"] - due
            rows.append({"district": district, "state": LATE if late > timedelta(0) else ON_TIME,
                         "report_date": max(this_week["report_date"]), "received_at": first["received_at"],
                         "late": late if late > timedelta(0) else None,
                         "late_text": late_text(late) if late > timedelta(0) else "",
                         "last_report_date": max(this_week["report_date"]),
                         "sender": senders.get(int(first["snapshot_id"]), ""),
                         "source_name": str(first["source_name"]), "data_note": ""})
        else:
            rows.append({"district": district, "state": MISSING, "report_date": None, "received_at": None,
                         "late": None, "late_text": "", "last_report_date": last, "sender": "", "source_name": "",
                         "data_note": f"数据截至{fmt_month_day_cn(last)}" if last else "尚无台账"})
    return pd.DataFrame(rows, columns=COLUMNS)


def older_ledger_notes(selected: pd.DataFrame, day: date) -> dict[str, str]:
    """District -> "数据截至5月20日" for every district whose figures at `day` come from an older ledger: the
    newest report date among the snapshots the figures use (the store's selected_snapshots: district,
    report_date) is before `day`. Districts shown with a ledger of `day` are left out. The newest date counts, so
    a batch whose plan was last sent long ago (a later year's programme) does not mark a district that reports."""
    if selected is None or len(selected) == 0:
        return {}
    newest = selected.assign(report_date=[pd.Timestamp(d).date() for d in selected["report_date"]]) \
        .groupby("district", sort=False)["report_date"].max()
    return {str(d): f"数据截至{fmt_month_day_cn(r)}" for d, r in newest.items() if r < day}


def history(snapshots: pd.DataFrame, districts: list[str], until: date, weeks: int, deadline: Deadline,
            ) -> pd.DataFrame:
    """The state of each district in each of the `weeks` weeks up to the one holding `until`, newest first:
    one row per week (周次 = the week's label, 截止 = its deadline), one column per district."""
    out = []
    for k in range(weeks):
        day = until - timedelta(days=7 * k)
        status = weekly_status(snapshots, districts, day, deadline)
        cells = {r.district: (r.late_text or r.state) if r.state == LATE else r.state for r in status.itertuples()}
        out.append({"周次": week_label(day), "截止": deadline_of(day, deadline).strftime("%Y-%m-%d %H:%M"), **cells})
    return pd.DataFrame(out)


def overview_note(status: pd.DataFrame, day: date) -> str:
    """One sentence for the overview: how many reported and who has not (with the date their figures show)."""
    on_time = int((status["state"] == ON_TIME).sum())
    late = int((status["state"] == LATE).sum())
    missing = status[status["state"] == MISSING]
    text = f"本周（{week_label(day)}）报送：{on_time}个区市按时报送，{late}个逾期报送，{len(missing)}个未报送"
    if len(missing):
        text += "：" + "、".join(f"{r.district}（{r.data_note}，图表中为旧台账）" if r.last_report_date
                                 else f"{r.district}（尚无台账）" for r in missing.itertuples())
    return text + "。"


def reminder_text(status: pd.DataFrame, day: date, deadline: Deadline, city: str) -> str:
    """The 催报 message for the work group, listing the districts still missing, ready to copy."""
    missing = status[status["state"] == MISSING]
    due = deadline_of(day, deadline)
    when = f"{due.month}月{due.day}日（周{WEEKDAYS[due.weekday()]}）{due.strftime('%H:%M')}"
    if missing.empty:
        return f"{city}城镇老旧小区改造本周（{week_label(day)}）台账：各区市均已报送，谢谢大家！"
    named = "、".join(
        f"{r.district}（最近一次报送{fmt_month_day_cn(r.last_report_date)}）" if r.last_report_date
        else f"{r.district}（尚未报送过）" for r in missing.itertuples())
    return (f"【催报】{city}城镇老旧小区改造本周（{week_label(day)}）台账报送截止时间为{when}。"
            f"截至目前，以下{len(missing)}个区市尚未报送：{named}。请尽快通过调度平台上传本周台账，谢谢！")
