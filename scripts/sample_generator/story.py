"""The story the sample history tells (the seed article's figures), its dates and the booking of investment.

Every other step reads its targets from here; change a figure here and the whole history follows.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = 20220601
DEFAULT_OUT = ROOT / "sample_data" / "ledgers"
GEOJSON = ROOT / "sample_data" / "geo" / "qingdao_districts.geojson"
FIXED_CREATED = datetime(2022, 6, 1, 8, 50, 0)
CITY = "青岛市"

HISTORY_START = date(2021, 1, 8)
LAST_FRIDAY = date(2022, 5, 27)
END = date(2022, 5, 31)
PLAN_DATE = date(2021, 9, 30)
BATCH2022_FIRST = date(2021, 10, 1)  # the 2022 batch is reported weekly from October 2021
CONSULT_CUTOFF = date(2021, 12, 31)
INVEST_2022_DATE = date(2022, 4, 30)
INVEST_2021_DATE = date(2021, 4, 30)
LAIXI_LAST = date(2022, 5, 20)  # 莱西市 misses the last two report dates

# Story targets
N_2022, N_2021, N_2023, N_2024 = 318, 356, 473, 317
STARTED_2022 = 300
CONSULTED_BY_2021 = 273
DESIGNED_BY_2021 = 216
TARGET_INV_2022_WAN = 70_046.0   # 7.0亿元 as of 2022-04-30
TARGET_INV_2021_WAN = 12_034.0   # 1.2亿元 as of 2021-04-30 -> rise 5.8亿元
BUNDLES_2022 = 120
ELEVATORS_2022 = 100
HOUSEHOLDS = {2021: 96_450, 2022: 88_310, 2023: 137_714, 2024: 73_976}   # 2022+2023+2024 = 300,000
PLANNED_WAN = {2021: 250_000, 2022: 350_000, 2023: 600_000, 2024: 450_000}  # 2022-2024 = 140亿元
BUILDINGS_2023 = 3_782
AREA_2023_M2 = 11_094_800  # 1,109.48万㎡

CURVE_POWER = 1.3  # completed investment follows a slow-start curve between start and completion
# The article reports investment "截至4月底" (7.0亿元, +5.8亿元) in a piece dated 1 June, and the weekly bulletin of
# 2022-05-31 must state those figures. So the ledgers book May's investment slowly (payments for May are booked
# after the month closes): inside this window each day counts for MAY_BOOKING_RATE of a day on the curve.
MAY_BOOKING_RATE = 0.005


def booking_window(batch: int) -> tuple[date, date]:
    """The slow-booking month of a batch: May of its own year (the year-on-year pair share the shape)."""
    return date(batch, 4, 30), date(batch, 5, 31)


def booked_days(batch: int, since: date, until: date) -> float:
    """Days of investment progress between two dates, with the booking window slowed down."""
    w0, w1 = booking_window(batch)

    def position(d: date) -> float:
        if d <= w0:
            return float((d - w0).days)
        if d <= w1:
            return (d - w0).days * MAY_BOOKING_RATE
        return (w1 - w0).days * MAY_BOOKING_RATE + (d - w1).days

    return position(until) - position(since)

NODE_KEYS = ["survey", "consultation", "design", "approval", "tender", "start", "completion", "acceptance"]
NODE_CN = {"survey": "摸底排查", "consultation": "意愿征求", "design": "方案设计", "approval": "立项",
           "tender": "招投标", "start": "开工", "completion": "完工", "acceptance": "验收"}
