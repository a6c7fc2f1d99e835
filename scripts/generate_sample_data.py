"""Generate the sample ledger history in sample_data/ledgers/ (fictional data shaped on the seed article).

    python scripts/generate_sample_data.py            # writes sample_data/ledgers/<YYYY-MM-DD>/...
    python scripts/generate_sample_data.py --out DIR  # somewhere else
    python scripts/generate_sample_data.py --check    # print the story figures of the in-memory model

Deterministic: a fixed seed, fixed workbook metadata, so two runs give byte-identical files.

The history, read through loaders.reader.read_ledger with report_date = folder date, tells the story of the
article (China Construction News, 2022-06-01) on Qingdao's 2022-2024 old-community renovation programme:
- weekly ledgers (every Friday 2021-01-08 .. 2022-05-27, every other month end, 2022-05-31) for the 2021 batch,
  and for the 2022 batch from October 2021 on;
- a plan workbook dated 2021-09-30 listing the 1,108 communities of 2022-2024;
- 2022 batch: 318 communities, 300 started by 2022-05-31 (莱西市's last ledger is 2022-05-20),
  273 consulted and 216 designed by 2021-12-31, 7.0亿元 completed by 2022-04-30 (2021 batch: 1.2亿元 by
  2021-04-30), 120 bundled projects, 100 elevators.

Each district keeps one file style across weeks (title rows, merged two-row headers, header synonyms, units,
date spellings, subtotal rows, district aliases, coordinate systems, GBK / UTF-8-BOM CSV) so that the sample
history exercises the reader.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loaders.coords import gcj02_to_bd09, wgs84_to_gcj02  # noqa: E402

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


# ----------------------------------------------------------------------------------------------------------
# Districts: sizes, streets (real names, approximate WGS-84 centres), roads for community names
# ----------------------------------------------------------------------------------------------------------
@dataclass
class DistrictSpec:
    name: str
    code: str
    counts: dict            # batch -> communities
    bundles: dict           # batch -> bundled projects
    elevators_2022: int
    not_started_2022: int
    streets: list           # (street, lon, lat, weight)
    roads: list
    places: list            # name stems (花园/小区/社区 ...)
    units: list             # work units for 宿舍 names
    fixed_names: list = field(default_factory=list)   # names from the article, used first (2022 batch)
    survey: bool = False    # the district tracks 摸底排查
    lag: float = 0.0        # 0 = on time, 1 = laggard


DISTRICTS: list[DistrictSpec] = [
    DistrictSpec(
        "市南区", "370202", {2021: 38, 2022: 30, 2023: 45, 2024: 30}, {2021: 14, 2022: 11}, 10, 0,
        [("八大峡街道", 120.298, 36.072, 3), ("中山路街道", 120.316, 36.068, 4), ("江苏路街道", 120.328, 36.067, 3),
         ("八大关街道", 120.347, 36.058, 1), ("湛山街道", 120.362, 36.062, 3), ("八大湖街道", 120.356, 36.074, 3),
         ("金门路街道", 120.377, 36.076, 3), ("珠海路街道", 120.404, 36.072, 2), ("香港中路街道", 120.388, 36.066, 2),
         ("云南路街道", 120.306, 36.066, 2)],
        ["宁夏路", "延安三路", "福州南路", "南京路", "江西路", "湛山二路", "仙游路", "金门路", "闽江路", "燕儿岛路",
         "观象一路", "大学路", "莱阳路", "台西三路", "团岛二路", "云南路", "西藏路", "郯城路", "东海西路", "太平路",
         "江苏路", "齐东路", "贵州路", "费县路", "龙山路", "武胜关路", "鞍山二路", "山东路"],
        ["海滨", "南海", "湛园", "汇泉", "翠湖", "东海", "华城", "海景", "观海", "团岛"],
        ["港务局", "国棉一厂", "第一海水浴场", "四方机车厂", "远洋公司", "海洋局", "纺织机械厂", "外贸公司"],
        fixed_names=["宁夏路12号院"]),
    DistrictSpec(
        "市北区", "370203", {2021: 82, 2022: 75, 2023: 110, 2024: 72}, {2021: 30, 2022: 28}, 25, 2,
        [("台东街道", 120.355, 36.088, 5), ("辽宁路街道", 120.342, 36.080, 4), ("登州路街道", 120.347, 36.092, 4),
         ("敦化路街道", 120.372, 36.092, 3), ("海伦路街道", 120.360, 36.102, 3), ("四方街道", 120.357, 36.112, 3),
         ("水清沟街道", 120.382, 36.118, 3), ("洛阳路街道", 120.388, 36.128, 2), ("河西街道", 120.366, 36.124, 2),
         ("兴隆路街道", 120.380, 36.101, 3), ("双山街道", 120.408, 36.100, 2), ("延安路街道", 120.336, 36.074, 2),
         ("浮山新区街道", 120.418, 36.088, 2), ("镇江路街道", 120.364, 36.080, 2)],
        ["台东一路", "台东二路", "台东六路", "威海路", "延安二路", "辽宁路", "长春路", "登州路", "敦化路", "海伦路",
         "四方路", "洛阳路", "水清沟路", "兴隆一路", "错埠岭二路", "杭州路", "抚顺路", "鞍山路", "萍乡路", "嘉定路",
         "华阳路", "大连路", "吉林路", "无棣二路", "昌乐路", "平度路", "商河路", "清江路", "舞阳路", "开平路"],
        ["海琴", "海岸", "福寿", "和兴", "兴隆", "新华", "瑞昌", "嘉和", "同安", "康宁"],
        ["国棉六厂", "四方机厂", "青岛啤酒厂", "橡胶二厂", "红星化工厂", "第五针织厂", "铁路局", "发电厂", "钢厂",
         "市政公司"],
        fixed_names=["台东三路小区", "海琴社区"], survey=True),
    DistrictSpec(
        "黄岛区", "370211", {2021: 40, 2022: 35, 2023: 55, 2024: 38}, {2021: 15, 2022: 13}, 8, 1,
        [("黄岛街道", 120.192, 35.968, 4), ("辛安街道", 120.140, 35.975, 3), ("薛家岛街道", 120.235, 35.985, 2),
         ("长江路街道", 120.188, 35.958, 4), ("灵珠山街道", 120.150, 35.935, 2), ("红石崖街道", 120.105, 36.000, 2),
         ("珠海街道", 120.010, 35.880, 3), ("隐珠街道", 119.990, 35.868, 3), ("滨海街道", 120.050, 35.862, 2)],
        ["长江中路", "黄河中路", "江山中路", "井冈山路", "嘉陵江路", "峨眉山路", "紫金山路", "武夷山路", "淮河东路",
         "珠海路", "人民路", "隐珠路", "海王路", "泰山路", "琅琊台路", "庐山路", "香江路", "衡山路"],
        ["海港", "金沙", "丽山", "滨海", "阳光", "隐珠", "海韵", "银河", "泰和"],
        ["黄岛电厂", "石油大学", "港务公司", "开发区管委", "胶南纺织厂", "造船厂"]),
    DistrictSpec(
        "崂山区", "370212", {2021: 10, 2022: 8, 2023: 12, 2024: 8}, {2021: 4, 2022: 3}, 2, 0,
        [("中韩街道", 120.446, 36.118, 3), ("金家岭街道", 120.462, 36.102, 2), ("沙子口街道", 120.515, 36.112, 1)],
        ["海尔路", "株洲路", "松岭路", "辽阳东路", "同安路", "香港东路", "秦岭路", "深圳路", "苗岭路", "东海东路"],
        ["麦岛", "石老人", "浮山", "枯桃", "张村", "午山"],
        ["海洋大学", "轻工学院", "崂山矿泉水厂"]),
    DistrictSpec(
        "李沧区", "370213", {2021: 66, 2022: 60, 2023: 85, 2024: 55}, {2021: 24, 2022: 22}, 18, 2,
        [("振华路街道", 120.398, 36.145, 4), ("永清路街道", 120.396, 36.156, 3), ("永安路街道", 120.408, 36.166, 3),
         ("兴华路街道", 120.398, 36.176, 3), ("浮山路街道", 120.422, 36.152, 2), ("李村街道", 120.432, 36.163, 4),
         ("虎山路街道", 120.428, 36.172, 2), ("楼山街道", 120.380, 36.200, 2), ("湘潭路街道", 120.436, 36.182, 2),
         ("九水街道", 120.452, 36.172, 2)],
        ["永平路", "振华路", "书院路", "大崂路", "京口路", "峰山路", "四流中路", "夏庄路", "汾阳路", "黑龙江中路",
         "九水路", "遵义路", "金水路", "枣山路", "兴华路", "沧台路", "青山路", "重庆中路", "东川路", "源头路"],
        ["沧口", "永乐", "福林", "曲哥庄", "杨家群", "北山", "东李", "大枣园", "侯家庄"],
        ["国棉八厂", "钢铁厂", "碱厂", "四方机车车辆厂", "青岛化工厂", "第二橡胶厂", "自行车厂", "铁路车辆厂"],
        survey=True),
    DistrictSpec(
        "城阳区", "370214", {2021: 28, 2022: 25, 2023: 38, 2024: 26}, {2021: 10, 2022: 10}, 6, 0,
        [("城阳街道", 120.392, 36.308, 5), ("流亭街道", 120.372, 36.262, 3), ("夏庄街道", 120.440, 36.268, 2),
         ("惜福镇街道", 120.470, 36.335, 1), ("棘洪滩街道", 120.290, 36.345, 1), ("上马街道", 120.265, 36.300, 1)],
        ["正阳路", "长城路", "崇阳路", "明阳路", "文阳路", "青威路", "重庆北路", "礼阳路", "春阳路", "黑龙江路",
         "仙山路", "山城路"],
        ["城阳", "流亭", "夏庄", "丹山", "双埠", "和阳", "源和"],
        ["城阳供销社", "流亭机场", "棘洪滩水库管理处", "红岛渔业公司"],
        survey=True),
    DistrictSpec(
        "即墨区", "370215", {2021: 28, 2022: 25, 2023: 40, 2024: 28}, {2021: 10, 2022: 10}, 5, 5,
        [("通济街道", 120.452, 36.388, 4), ("环秀街道", 120.446, 36.378, 3), ("潮海街道", 120.468, 36.398, 3),
         ("北安街道", 120.492, 36.402, 2), ("龙山街道", 120.432, 36.418, 1)],
        ["鹤山路", "蓝鳌路", "振华街", "烟青路", "新兴路", "墨城路", "文化路", "健民街", "嵩山二路", "天山三路",
         "华山二路", "黄河二路"],
        ["墨城", "鹤山", "东关", "西城", "潮海", "通济"],
        ["即墨酒厂", "即墨针织厂", "服装厂", "供电公司"],
        lag=0.8),
    DistrictSpec(
        "胶州市", "370281", {2021: 24, 2022: 22, 2023: 32, 2024: 22}, {2021: 9, 2022: 9}, 16, 0,
        [("阜安街道", 120.030, 36.288, 4), ("中云街道", 120.012, 36.278, 4), ("三里河街道", 120.002, 36.268, 2),
         ("九龙街道", 120.036, 36.252, 1)],
        ["澳门路", "常州路", "扬州路", "郑州路", "福州路", "兰州路", "杭州路", "湖州路", "广州北路", "徐州路",
         "寺门首路", "铺集路"],
        ["胶州湾", "少海", "云溪", "三里河", "阜安", "泰和"],
        ["胶州纺织厂", "机床厂", "胶州电厂", "食品公司"],
        fixed_names=["顺德花园"]),
    DistrictSpec(
        "平度市", "370283", {2021: 22, 2022: 20, 2023: 30, 2024: 20}, {2021: 8, 2022: 7}, 5, 7,
        [("东阁街道", 119.968, 36.784, 4), ("凤台街道", 119.950, 36.778, 3), ("李园街道", 119.972, 36.760, 2),
         ("同和街道", 120.002, 36.772, 1), ("白沙河街道", 119.942, 36.800, 1)],
        ["红旗路", "常州路", "胶州路", "扬州路", "杭州路", "人民路", "苏州路", "南京路", "青岛路", "府前街",
         "北京路", "天津路"],
        ["平度", "东阁", "凤台", "杏园", "文化", "兴平"],
        ["平度糖厂", "平度农机厂", "石墨矿", "平度棉纺厂"],
        lag=1.0),
    DistrictSpec(
        "莱西市", "370285", {2021: 18, 2022: 18, 2023: 26, 2024: 18}, {2021: 7, 2022: 7}, 5, 1,
        [("水集街道", 120.518, 36.882, 4), ("望城街道", 120.490, 36.868, 3), ("沽河街道", 120.468, 36.858, 2)],
        ["烟台路", "石岛路", "威海西路", "上海中路", "长岛路", "黄海路", "文化西路", "重庆路", "青岛路", "济南路",
         "北京东路"],
        ["月湖", "水集", "望城", "沽河", "莱西"],
        ["莱西化肥厂", "莱西纺织厂", "花生油厂", "莱西电业局"],
        lag=0.4),
]
DISTRICT_BY_NAME = {d.name: d for d in DISTRICTS}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ["建国", "海涛", "志强", "秀英", "丽娟", "文杰", "国庆", "晓燕", "振华", "玉兰", "俊杰", "红梅", "德明",
         "春雷", "海燕", "立新", "卫东", "静", "磊", "敏", "军", "勇", "洁", "鹏", "涛", "明", "超", "霞"]

ITEMS = {
    "基础类": ["雨污分流", "供水管网改造", "强弱电入地", "道路修缮", "外墙保温", "屋面防水", "楼道粉刷", "燃气管道改造",
             "供热管网改造", "消防设施", "安防监控", "路灯照明", "垃圾分类设施"],
    "完善类": ["加装电梯", "停车位增设", "充电桩", "绿化提升", "节能改造", "休闲广场", "无障碍设施", "文体设施"],
    "提升类": ["社区服务中心", "养老托育", "助餐服务", "快递柜", "智慧社区", "便民市场"],
}

CN_NUM = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 28 -> 二十八 (bundle lot numbers)."""
    if n < 10:
        return CN_NUM[n]
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens] if tens > 1 else "") + "十" + (CN_NUM[ones] if ones else "")


# ----------------------------------------------------------------------------------------------------------
# Report dates
# ----------------------------------------------------------------------------------------------------------
def report_dates() -> list[date]:
    """Every Friday 2021-01-08..2022-05-27, every month end 2021-01..2022-04 not a Friday, and 2022-05-31."""
    out = set()
    d = HISTORY_START
    while d <= LAST_FRIDAY:
        out.add(d)
        d += timedelta(days=7)
    y, m = 2021, 1
    while (y, m) <= (2022, 4):
        nxt = date(y + (m == 12), m % 12 + 1, 1)
        out.add(nxt - timedelta(days=1))
        y, m = nxt.year, nxt.month
    out.add(END)
    return sorted(out)


def district_dates(district: str) -> list[date]:
    dates = report_dates()
    if district == "莱西市":
        dates = [d for d in dates if d <= LAIXI_LAST]
    return dates


def batches_on(d: date) -> list[int]:
    return [2021, 2022] if d >= BATCH2022_FIRST else [2021]


# ----------------------------------------------------------------------------------------------------------
# Helpers for exact sums
# ----------------------------------------------------------------------------------------------------------
def scale_to_int_sum(weights: np.ndarray, total: int, lo: int | None = None, hi: int | None = None) -> np.ndarray:
    """Integers proportional to weights that add up to `total` exactly (largest remainder), within [lo, hi]."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * total
    out = np.floor(raw).astype(np.int64)
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)
    diff = int(total - out.sum())
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    guard = 0
    while diff != 0:
        j = order[i % len(order)]
        step = 1 if diff > 0 else -1
        if (hi is None or out[j] + step <= hi) and (lo is None or out[j] + step >= lo):
            out[j] += step
            diff -= step
        i += 1
        guard += 1
        if guard > 10_000_000:
            raise RuntimeError("cannot reach the total within bounds")
    return out


def days(n) -> timedelta:
    return timedelta(days=int(n))


def rdate(rng, a: date, b: date) -> date:
    """A uniformly drawn day in [a, b]."""
    if b <= a:
        return a
    return a + days(rng.integers(0, (b - a).days + 1))


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# ----------------------------------------------------------------------------------------------------------
# Geography: points inside the district polygons
# ----------------------------------------------------------------------------------------------------------
def load_inner_polygons(margin_m: float = 400.0) -> dict:
    import geopandas as gpd

    g = gpd.read_file(GEOJSON)
    metric = g.to_crs("EPSG:32651")
    inner = metric.buffer(-margin_m).to_crs("EPSG:4326")
    from shapely.prepared import prep

    return {name: (geom, prep(geom)) for name, geom in zip(g["name"], inner)}


def sample_point(rng, poly, street_centre, district_centre) -> tuple[float, float]:
    from shapely.geometry import Point

    geom, prepared = poly
    for centre, sx, sy, tries in ((street_centre, 0.007, 0.005, 200), (district_centre, 0.02, 0.015, 400)):
        for _ in range(tries):
            x = centre[0] + rng.normal(0, sx)
            y = centre[1] + rng.normal(0, sy)
            if prepared.contains(Point(x, y)):
                return round(x, 6), round(y, 6)
    minx, miny, maxx, maxy = geom.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if prepared.contains(Point(x, y)):
            return round(x, 6), round(y, 6)


# ----------------------------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------------------------
class Model:
    """All communities of 2021-2024 with their true life-cycle dates and investment curves."""

    def __init__(self, seed: int = SEED, with_points: bool = True):
        self.rng = np.random.default_rng(seed)
        self.rows: list[dict] = []
        self.k = {}
        self._build_communities(with_points)
        self._build_timelines()
        for batch, target, when in ((2022, TARGET_INV_2022_WAN, INVEST_2022_DATE),
                                    (2021, TARGET_INV_2021_WAN, INVEST_2021_DATE)):
            self.k[batch] = self._solve_k(batch, target, when)
        self.frame = pd.DataFrame(self.rows)

    # -- static attributes ---------------------------------------------------------------------------
    def _build_communities(self, with_points: bool) -> None:
        rng = self.rng
        polys = load_inner_polygons() if with_points else None
        for batch in (2021, 2022, 2023, 2024):
            batch_rows = []
            for spec in DISTRICTS:
                n = spec.counts[batch]
                w = np.array([s[3] for s in spec.streets], dtype=float)
                street_idx = np.sort(rng.choice(len(spec.streets), size=n, p=w / w.sum()))
                for i in range(n):
                    st = spec.streets[street_idx[i]]
                    batch_rows.append({
                        "community_id": f"{spec.code}-{batch}-{i + 1:03d}",
                        "district": spec.name, "street": st[0], "batch_year": batch,
                        "_street_centre": (st[1], st[2]),
                    })
            n = len(batch_rows)
            # households: lognormal, district flavour (old urban districts larger), exact batch total
            base = rng.lognormal(mean=np.log(260), sigma=0.55, size=n)
            flav = np.array([1.15 if r["district"] in ("市北区", "李沧区", "市南区") else 0.85 for r in batch_rows])
            hh = scale_to_int_sum(np.clip(base * flav, 70, 850), HOUSEHOLDS[batch], lo=60, hi=900)
            built = np.clip(np.round(rng.normal(1991, 5.0, size=n)), 1980, 2000).astype(int)
            per_bld = rng.uniform(18, 48, size=n)
            if batch == 2023:
                bld = scale_to_int_sum(hh / per_bld, BUILDINGS_2023, lo=1)
                area = scale_to_int_sum(hh * rng.uniform(62, 98, size=n), AREA_2023_M2 * 100) / 100.0
            else:
                bld = np.maximum(1, np.round(hh / per_bld)).astype(int)
                area = np.round(hh * rng.uniform(62, 98, size=n), 2)
            cls = rng.choice(["基础类", "完善类", "提升类"], size=n, p=[0.5, 0.38, 0.12])
            for j, r in enumerate(batch_rows):
                r.update(households=int(hh[j]), built_year=int(built[j]), buildings=int(bld[j]),
                         floor_area_m2=float(area[j]), renovation_class=str(cls[j]))
            self._elevators(batch_rows, batch)
            # planned investment (万元, cents exact): households x class cost + elevators
            cost = np.array([{"基础类": 0.8, "完善类": 1.0, "提升类": 1.3}[r["renovation_class"]] for r in batch_rows])
            wts = np.array([r["households"] for r in batch_rows]) * cost * rng.uniform(0.8, 1.25, size=n)
            wts += np.array([r["elevators_planned"] for r in batch_rows]) * 15.0
            cents = scale_to_int_sum(wts, PLANNED_WAN[batch] * 100, lo=1)
            for j, r in enumerate(batch_rows):
                r["planned_investment_wan"] = cents[j] / 100.0
                r["_planned_cents"] = int(cents[j])
                r["items"] = self._items(r["renovation_class"], r["elevators_planned"] > 0)
            self.rows.extend(batch_rows)
        self._names()
        self._bundles()
        self._funds_and_people()
        if with_points:
            for r in self.rows:
                if r["batch_year"] in (2021, 2022):
                    spec = DISTRICT_BY_NAME[r["district"]]
                    dc = (sum(s[1] * s[3] for s in spec.streets) / sum(s[3] for s in spec.streets),
                          sum(s[2] * s[3] for s in spec.streets) / sum(s[3] for s in spec.streets))
                    r["lon"], r["lat"] = sample_point(rng, polys[r["district"]], r["_street_centre"], dc)
                else:
                    r["lon"], r["lat"] = (math.nan, math.nan)
        else:
            for r in self.rows:
                r["lon"], r["lat"] = (math.nan, math.nan)

    def _elevators(self, rows: list[dict], batch: int) -> None:
        rng = self.rng
        for r in rows:
            r["elevators_planned"] = 0
        totals = {2021: 84, 2022: ELEVATORS_2022, 2023: 150, 2024: 120}[batch]
        per_district = {d.name: d.elevators_2022 for d in DISTRICTS}
        quota = scale_to_int_sum(np.array([per_district[d.name] for d in DISTRICTS], float), totals)
        for spec, q in zip(DISTRICTS, quota):
            cands = [r for r in rows if r["district"] == spec.name and r["households"] >= 120
                     and r["renovation_class"] != "基础类"]
            if not cands:
                cands = [r for r in rows if r["district"] == spec.name]
            q = int(q)
            while q > 0:
                r = cands[int(rng.integers(0, len(cands)))]
                add = int(min(q, rng.integers(1, 4)))
                if r["elevators_planned"] + add <= 6:
                    r["elevators_planned"] += add
                    q -= add

    def _items(self, cls: str, elevator: bool) -> str:
        rng = self.rng
        base = list(rng.choice(ITEMS["基础类"], size=int(rng.integers(3, 6)), replace=False))
        extra = []
        if cls in ("完善类", "提升类"):
            pool = [x for x in ITEMS["完善类"] if x != "加装电梯"]
            extra += list(rng.choice(pool, size=int(rng.integers(1, 3)), replace=False))
        if cls == "提升类":
            extra += list(rng.choice(ITEMS["提升类"], size=int(rng.integers(1, 3)), replace=False))
        if elevator:
            extra.insert(0, "加装电梯")
        return "、".join(base + extra)

    def _names(self) -> None:
        rng = self.rng
        for spec in DISTRICTS:
            used: set[str] = set()
            fixed = list(spec.fixed_names)
            for r in [r for r in self.rows if r["district"] == spec.name]:
                if r["batch_year"] == 2022 and fixed:
                    name = fixed.pop(0)
                else:
                    name = None
                    while name is None or name in used:
                        kind = rng.random()
                        if kind < 0.35:
                            name = f"{rng.choice(spec.roads)}{int(rng.integers(1, 160))}号院"
                        elif kind < 0.55:
                            name = f"{rng.choice(spec.roads)}小区"
                        elif kind < 0.8:
                            name = f"{rng.choice(spec.places)}{rng.choice(['花园', '小区', '社区', '新村', '公寓', '苑', '里'])}"
                        else:
                            name = f"{rng.choice(spec.units)}{rng.choice(['宿舍', '家属院', '生活区'])}"
                used.add(name)
                r["name"] = name

    def _bundles(self) -> None:
        rng = self.rng
        for batch in (2021, 2022):
            for spec in DISTRICTS:
                rows = [r for r in self.rows if r["district"] == spec.name and r["batch_year"] == batch]
                k = spec.bundles[batch]
                n = len(rows)
                streets: dict[str, list] = {}
                for r in rows:
                    streets.setdefault(r["street"], []).append(r)
                groups = list(streets.values())
                if len(groups) <= k:
                    # bundles never cross a street: each street gets its share of the district's bundles
                    counts = np.ones(len(groups), dtype=int)
                    for _ in range(k - len(groups)):
                        load = [len(g) / c if c < len(g) else -1 for g, c in zip(groups, counts)]
                        counts[int(np.argmax(load))] += 1
                    chunks = []
                    for g, c in zip(groups, counts):
                        sizes = np.full(c, len(g) // c)
                        sizes[: len(g) % c] += 1
                        sizes = sizes[rng.permutation(c)]
                        pos = 0
                        for size in sizes:
                            chunks.append(g[pos: pos + size])
                            pos += size
                else:
                    sizes = np.full(k, n // k)
                    sizes[: n % k] += 1
                    chunks, pos = [], 0
                    for size in sizes:
                        chunks.append(rows[pos: pos + size])
                        pos += size
                for lot, chunk in enumerate(chunks, start=1):
                    for r in chunk:
                        r["bundle"] = f"{spec.name}{batch}年老旧小区改造项目（{cn_number(lot)}标段）"
        for r in self.rows:
            r.setdefault("bundle", "")

    def _funds_and_people(self) -> None:
        rng = self.rng
        people: dict[tuple, str] = {}
        for r in self.rows:
            key = (r["district"], r["street"])
            if key not in people:
                people[key] = f"{SURNAMES[int(rng.integers(0, len(SURNAMES)))]}{GIVEN[int(rng.integers(0, len(GIVEN)))]}"
            r["person"] = people[key]
            r["unit"] = f"{r['street']}办事处"
            c = r["_planned_cents"]
            central = int(c * rng.uniform(0.18, 0.32))
            provincial = int(c * rng.uniform(0.03, 0.08))
            social = int(c * rng.uniform(0.04, 0.12))
            resident = int(c * rng.uniform(0.0, 0.04))
            local = c - central - provincial - social - resident
            r.update(fund_central_wan=central / 100, fund_provincial_wan=provincial / 100,
                     fund_local_wan=local / 100, fund_social_wan=social / 100, fund_resident_wan=resident / 100)

    # -- life cycles ---------------------------------------------------------------------------------
    def _build_timelines(self) -> None:
        for r in self.rows:
            for k in NODE_KEYS:
                r[f"plan_{k}"] = None
                r[f"actual_{k}"] = None
            r["_curve_end"] = None
            r["_final_ratio"] = 1.0
        self._timeline_2021()
        self._timeline_2022()
        self._plan_only(2023)
        self._plan_only(2024)
        for r in self.rows:
            # planned node dates never go backwards along the life cycle
            prev = None
            for k in NODE_KEYS:
                p = r[f"plan_{k}"]
                if p is not None and prev is not None and p < prev:
                    r[f"plan_{k}"] = prev
                if r[f"plan_{k}"] is not None:
                    prev = r[f"plan_{k}"]

    def _chain_plan(self, r: dict, jitter=(-4, 12), month_end_plan=False) -> None:
        """Planned dates from the actual ones (倒排工期: planned a little before actual, mostly)."""
        rng = self.rng
        for k in NODE_KEYS:
            a = r[f"actual_{k}"]
            if a is not None and r[f"plan_{k}"] is None:
                p = a - days(rng.integers(jitter[0], jitter[1] + 1))
                r[f"plan_{k}"] = month_end(p) if month_end_plan and k in ("consultation", "design") else p

    def _timeline_2021(self) -> None:
        rng = self.rng
        rows = [r for r in self.rows if r["batch_year"] == 2021]
        n = len(rows)
        not_accepted = set(rng.choice(n, size=19, replace=False).tolist())
        not_completed = set(list(not_accepted)[:3])
        for i, r in enumerate(rows):
            spec = DISTRICT_BY_NAME[r["district"]]
            lag = spec.lag
            if spec.survey:
                r["actual_survey"] = rdate(rng, date(2020, 7, 1), date(2020, 8, 31))
            c = rdate(rng, date(2020, 9, 10), date(2020, 12, 10)) + days(rng.integers(0, 15) * lag)
            d = c + days(rng.integers(15, 45))
            a = max(d + days(rng.integers(10, 30)), date(2021, 1, 6)) + days(rng.integers(0, 30))
            t = a + days(rng.integers(10, 30))
            s = max(t + days(rng.integers(5, 20)), date(2021, 3, 29)) + days(rng.exponential(38) + 20 * lag)
            s = min(s, date(2021, 7, 30) - days(rng.integers(0, 20)))
            dur = int(rng.integers(100, 190))
            comp = s + days(dur)
            acc = comp + days(rng.integers(20, 80))
            r.update(actual_consultation=c, actual_design=d, actual_approval=a, actual_tender=t, actual_start=s)
            r["_curve_end"] = comp
            if i in not_completed:
                r["plan_completion"] = comp - days(rng.integers(20, 60))
                r["plan_acceptance"] = r["plan_completion"] + days(30)
                comp = None
            elif i in not_accepted:
                r["actual_completion"] = comp
                r["plan_acceptance"] = comp + days(rng.integers(20, 45))
            else:
                r["actual_completion"] = comp
                r["actual_acceptance"] = acc
            # keep everything inside the history window
            for k in NODE_KEYS:
                v = r[f"actual_{k}"]
                if v is not None and v > END:
                    r[f"actual_{k}"] = None
                    r[f"plan_{k}"] = r[f"plan_{k}"] or (v - days(rng.integers(0, 20)))
            r["_final_ratio"] = float(rng.uniform(0.97, 1.0))
            self._chain_plan(r, month_end_plan=spec.name in ("即墨区", "平度市"))
            if r["actual_survey"] is None and spec.survey:
                r["plan_survey"] = date(2020, 8, 31)

    def _timeline_2022(self) -> None:
        rng = self.rng
        rows = [r for r in self.rows if r["batch_year"] == 2022]
        idx_by_district = {}
        for i, r in enumerate(rows):
            idx_by_district.setdefault(r["district"], []).append(i)
        # 1. not started by 2022-05-31 (莱西市: by 2022-05-20): quotas per district
        ns = []
        for spec in DISTRICTS:
            ids = idx_by_district[spec.name]
            ns += sorted(rng.choice(ids, size=spec.not_started_2022, replace=False).tolist())
        ns_set = set(ns)
        assert len(ns) == N_2022 - STARTED_2022
        # 2. not consulted by 2021-12-31: the not-started ones + others, weighted toward laggard districts
        others = [i for i in range(len(rows)) if i not in ns_set]
        w = np.array([0.15 + 2.5 * DISTRICT_BY_NAME[rows[i]["district"]].lag for i in others])
        late_consult = set(rng.choice(others, size=(N_2022 - CONSULTED_BY_2021) - len(ns), replace=False,
                                      p=w / w.sum()).tolist()) | ns_set
        consulted = [i for i in range(len(rows)) if i not in late_consult]
        assert len(consulted) == CONSULTED_BY_2021
        cdate = {}
        for i in consulted:
            lag = DISTRICT_BY_NAME[rows[i]["district"]].lag
            cdate[i] = rdate(rng, date(2021, 10, 8), date(2021, 12, 20)) + days(rng.integers(0, 6) * lag)
        # 3. designed by 2021-12-31: the 216 with the earliest consultation (with a little noise)
        score = sorted(consulted, key=lambda i: (cdate[i] + days(rng.integers(0, 12)), i))
        designed = set(score[:DESIGNED_BY_2021])
        # the due-soon not-started ones (planned start within 14 days of their last report)
        due_soon = {}
        for spec in DISTRICTS:
            if spec.name in ("市北区", "黄岛区", "莱西市"):
                cand = [i for i in ns if rows[i]["district"] == spec.name]
                due_soon[cand[0]] = date(2022, 6, 2) if spec.name == "莱西市" else rdate(rng, date(2022, 6, 3),
                                                                                        date(2022, 6, 12))
        for i, r in enumerate(rows):
            spec = DISTRICT_BY_NAME[r["district"]]
            lag = spec.lag
            if spec.survey:
                r["actual_survey"] = rdate(rng, date(2021, 6, 1), date(2021, 9, 20))
            r["plan_consultation"] = rdate(rng, date(2021, 10, 31), date(2021, 12, 25))
            if i in cdate:
                c = cdate[i]
                if i in designed:
                    d = min(c + days(rng.integers(7, 35)), date(2021, 12, 30))
                    d = max(d, c + days(2))
                else:
                    d = max(c + days(rng.integers(14, 40)), date(2022, 1, 4)) + days(rng.integers(0, 25))
            elif i not in ns_set:
                c = rdate(rng, date(2022, 1, 4), date(2022, 2, 20)) + days(rng.integers(0, 10) * lag)
                d = c + days(rng.integers(10, 30))
            else:
                c = d = None
            deadline = LAIXI_LAST if spec.name == "莱西市" else END
            if i not in ns_set:
                # started: approval, tender, start between design and the deadline
                lo = max(d + days(rng.integers(10, 25)), date(2022, 1, 10))
                a = lo
                t = a + days(rng.integers(10, 30))
                s = max(t + days(rng.integers(5, 20)), date(2022, 3, 1)) + days(rng.exponential(16) + 25 * lag)
                if s > deadline:
                    s = deadline - days(rng.integers(0, 8))
                if t >= s:
                    t = s - days(rng.integers(4, 10))
                if a >= t:
                    a = t - days(rng.integers(4, 10))
                assert d < a < t < s <= deadline, (d, a, t, s)
                dur = int(rng.integers(70, 200)) if r["renovation_class"] == "基础类" else int(rng.integers(110, 230))
                comp = s + days(dur)
                acc = comp + days(rng.integers(15, 45))
                r.update(actual_consultation=c, actual_design=d, actual_approval=a, actual_tender=t, actual_start=s)
                r["_curve_end"] = comp
                r["_final_ratio"] = float(rng.uniform(0.97, 1.0))
                if comp <= deadline:
                    r["actual_completion"] = comp
                    if acc <= deadline:
                        r["actual_acceptance"] = acc
                    else:
                        r["plan_acceptance"] = acc - days(rng.integers(0, 10))
                else:
                    r["plan_completion"] = comp - days(rng.integers(0, 15))
                    r["plan_acceptance"] = r["plan_completion"] + days(30)
                self._chain_plan(r, jitter=(-6, 12 + int(8 * lag)), month_end_plan=spec.name in ("即墨区", "平度市"))
            else:
                # not started: stuck somewhere before 开工
                stage = int(rng.integers(0, 5)) if lag >= 0.8 else int(rng.integers(2, 5))  # nodes done after survey
                chain = [("consultation", rdate(rng, date(2022, 1, 10), date(2022, 3, 20)))]
                chain.append(("design", chain[-1][1] + days(rng.integers(15, 40))))
                chain.append(("approval", chain[-1][1] + days(rng.integers(10, 30))))
                chain.append(("tender", chain[-1][1] + days(rng.integers(10, 25))))
                for k, v in chain[:stage]:
                    r[f"actual_{k}"] = min(v, deadline - days(3))
                self._chain_plan(r, jitter=(5, 30))
                ps = due_soon.get(i) or rdate(rng, date(2022, 4, 8), date(2022, 5, 25))
                r["plan_start"] = ps
                # planned dates of the nodes not reached: scheduled backwards from the planned start
                back = {"tender": 15, "approval": 35, "design": 60, "consultation": 90}
                for k, off in back.items():
                    if r[f"actual_{k}"] is None:
                        r[f"plan_{k}"] = min(ps - days(off), r[f"plan_{k}"] or date(2099, 1, 1)) \
                            if k != "consultation" else r["plan_consultation"]
                r["plan_completion"] = ps + days(150)
                r["plan_acceptance"] = ps + days(180)
            # survey planned date
            if spec.survey:
                r["plan_survey"] = date(2021, 9, 30) - days(rng.integers(0, 20))
            # planned start for started ones must be set; completion planned from planned start if missing
            if r["plan_start"] is None:
                r["plan_start"] = r["actual_start"] - days(rng.integers(-6, 12))
            if r["plan_completion"] is None:
                r["plan_completion"] = (r["actual_completion"] or r["plan_start"] + days(150)) - days(rng.integers(0, 10))
            if r["plan_acceptance"] is None:
                r["plan_acceptance"] = r["plan_completion"] + days(30)
        self._ns_rows = [rows[i]["community_id"] for i in ns]

    def _plan_only(self, batch: int) -> None:
        rng = self.rng
        for r in (r for r in self.rows if r["batch_year"] == batch):
            s = rdate(rng, date(batch, 3, 1), date(batch, 6, 30))
            r["plan_start"] = s
            r["plan_completion"] = s + days(rng.integers(120, 220))

    # -- investment --------------------------------------------------------------------------------
    def completed_wan(self, r: dict, d: date, k: float | None = None) -> float:
        """Completed investment (万元, 2 decimals) of community r as of d: 0 before start, then rising."""
        s = r["actual_start"]
        if s is None or s > d:
            return 0.0
        k = self.k.get(r["batch_year"], 1.0) if k is None else k
        ratio = r["_final_ratio"]
        comp = r["actual_completion"]
        w0, w1 = booking_window(r["batch_year"])
        if w0 < s and d <= w1:  # works started inside the booking window are booked after the month closes
            return 0.0
        # a completion inside the booking window is booked (in full) only after the month closes
        if comp is not None and comp <= d and not (w0 < comp and d <= w1):
            f = ratio
        else:
            span = max(booked_days(r["batch_year"], s, r["_curve_end"]), 1.0)
            f = min(0.96 * ratio, k * ((booked_days(r["batch_year"], s, d) + 3) / span) ** CURVE_POWER)
        return round(r["_planned_cents"] * f) / 100.0

    def _solve_k(self, batch: int, target: float, when: date) -> float:
        rows = [r for r in self.rows if r["batch_year"] == batch]
        lo, hi = 0.01, 10.0
        for _ in range(80):
            mid = (lo + hi) / 2
            total = sum(self.completed_wan(r, when, mid) for r in rows)
            if total < target:
                lo = mid
            else:
                hi = mid
        return round(hi, 9)

    # -- snapshots ---------------------------------------------------------------------------------
    def snapshot(self, district: str, batch: int, d: date) -> list[dict]:
        """The rows of a district and batch as its ledger of report date d shows them."""
        out = []
        for r in self.rows:
            if r["district"] != district or r["batch_year"] != batch:
                continue
            s = dict(r)
            for k in NODE_KEYS:
                v = s[f"actual_{k}"]
                if v is not None and v > d:
                    s[f"actual_{k}"] = None
            reached = 0
            for j, k in enumerate(NODE_KEYS, start=1):
                if s[f"actual_{k}"] is not None:
                    reached = j
            s["node_reached"] = reached
            s["completed_investment_wan"] = self.completed_wan(r, d)
            out.append(s)
        return out

    def as_of(self, d: date, batch: int) -> list[dict]:
        """For each district its latest snapshot on or before d (the store's as-of rule)."""
        out = []
        for spec in DISTRICTS:
            dates = [x for x in district_dates(spec.name) if x <= d]
            if batch == 2022:
                dates = [x for x in dates if x >= BATCH2022_FIRST] or ([PLAN_DATE] if d >= PLAN_DATE else [])
            if not dates:
                continue
            out += self.snapshot(spec.name, batch, max(dates))
        return out

    def story(self) -> dict:
        b22_end = self.as_of(END, 2022)
        b22_dec = self.as_of(CONSULT_CUTOFF, 2022)
        inv22 = sum(r["completed_investment_wan"] for r in self.as_of(INVEST_2022_DATE, 2022))
        inv21 = sum(r["completed_investment_wan"] for r in self.as_of(INVEST_2021_DATE, 2021))
        inv22_end = sum(r["completed_investment_wan"] for r in b22_end)
        inv21_end = sum(r["completed_investment_wan"] for r in self.as_of(date(2021, 5, 31), 2021))
        plan = [r for r in self.rows if r["batch_year"] in (2022, 2023, 2024)]
        return {
            "communities_2022": len(b22_end),
            "started_2022": sum(r["node_reached"] >= 6 for r in b22_end),
            "start_rate_2022": round(100 * sum(r["node_reached"] >= 6 for r in b22_end) / len(b22_end), 1),
            "consulted_by_2021_12_31": sum(r["node_reached"] >= 2 for r in b22_dec),
            "designed_by_2021_12_31": sum(r["node_reached"] >= 3 for r in b22_dec),
            "completed_investment_2022_by_2022_04_30_wan": round(inv22, 2),
            "completed_investment_2021_by_2021_04_30_wan": round(inv21, 2),
            "completed_investment_2022_by_2022_05_31_wan": round(inv22_end, 2),
            "completed_investment_2021_by_2021_05_31_wan": round(inv21_end, 2),
            "bundles_2022": len({r["bundle"] for r in b22_end}),
            "elevators_2022": sum(r["elevators_planned"] for r in b22_end),
            "plan_communities": len(plan),
            "plan_households": sum(r["households"] for r in plan),
            "plan_investment_wan": sum(r["_planned_cents"] for r in plan) / 100,
            "plan_by_batch": {b: sum(1 for r in plan if r["batch_year"] == b) for b in (2022, 2023, 2024)},
        }


# ----------------------------------------------------------------------------------------------------------
# File styles: one per district, fixed across weeks
# ----------------------------------------------------------------------------------------------------------
@dataclass
class Style:
    district: str
    container: str                  # "city" (a sheet of the city workbook) | "csv-gbk" | "csv-utf8bom"
    title: list                     # title lines (format with {d}, {dn}, {district}); [] = none
    two_row: bool                   # two-row header with 计划 | 实际 merged under each node
    headers: dict                   # field -> header text
    node_header: str                # "plan_actual" 计划开工时间 / "suffix" 开工时间（计划） / "group" (two-row)
    node_names: dict                # node key -> word used in the header
    nodes: list                     # node keys present
    money_unit: str                 # 万元 | 元 | 亿元
    money_suffix: bool              # write the unit in the header
    area_unit: str                  # 平方米 | ㎡ | 万平方米
    date_style: str                 # excel | slash | dot | cn | compact | iso
    month_only: tuple = ()          # plan columns written as 2022年9月
    district_value: str = ""
    coord: str = "gcj02-hint"       # gcj02-hint | bd09-hint | wgs84-hint | plain | crs-column
    crs_value: str = ""
    status_words: dict = field(default_factory=dict)
    subtotals: str = "none"         # none | street (小计 + 合计 bottom) | top (合计 right under header) | bottom
    blank_between_streets: bool = False
    seq: bool = True
    funds: bool = False
    responsible: str = "person"     # person | unit
    zero_investment_blank: bool = True
    filename: str = ""


STATUS_A = {0: "未启动", 1: "前期手续办理中", 2: "前期手续办理中", 3: "前期手续办理中", 4: "前期手续办理中",
            5: "前期手续办理中", 6: "已开工", 7: "已完工", 8: "已验收"}
STATUS_B = {**STATUS_A, 6: "施工中"}

BASE_HEADERS = {
    "community_id": "小区编号", "name": "小区名称", "district": "所属区市", "street": "街道", "batch_year": "改造年度",
    "built_year": "建成年代", "buildings": "楼栋数", "households": "户数", "floor_area": "建筑面积",
    "renovation_class": "改造类型", "items": "改造内容", "elevators_planned": "加装电梯（部）", "bundle": "打包项目",
    "planned_investment": "计划投资", "completed_investment": "累计完成投资", "status": "项目状态",
    "responsible": "责任人", "lon": "经度", "lat": "纬度",
}
NODES_NO_SURVEY = ["consultation", "design", "approval", "tender", "start", "completion", "acceptance"]
NODES_ALL = ["survey"] + NODES_NO_SURVEY
NODE_WORDS = {k: NODE_CN[k] for k in NODE_KEYS}

TITLE_CITY = "{city}城镇老旧小区改造项目台账（{district}）"
TITLE_FILL = "填报单位：{district}住房和城乡建设局    截至{dn}"

STYLES: dict[str, Style] = {
    "市南区": Style("市南区", "city", [TITLE_CITY, TITLE_FILL], False, dict(BASE_HEADERS), "plan_actual",
                  NODE_WORDS, NODES_NO_SURVEY, "万元", True, "平方米", "excel", district_value="市南区",
                  coord="gcj02-hint", status_words=STATUS_A, subtotals="street", funds=True),
    "市北区": Style("市北区", "city", [TITLE_CITY, TITLE_FILL], True,
                  {**BASE_HEADERS, "community_id": "小区编码", "district": "区市", "batch_year": "年度",
                   "built_year": "建成年份", "buildings": "栋数", "households": "居民户数", "renovation_class": "改造类别",
                   "items": "主要改造内容", "elevators_planned": "计划加装电梯（部）", "bundle": "所属项目",
                   "planned_investment": "总投资", "completed_investment": "已完成投资", "status": "当前进度",
                   "responsible": "责任单位"},
                  "group", {**NODE_WORDS, "completion": "竣工"}, NODES_ALL, "元", True, "㎡", "excel",
                  district_value=" 市北 ", coord="bd09-hint", status_words=STATUS_B, subtotals="top",
                  responsible="unit"),
    "黄岛区": Style("黄岛区", "city", [], False,
                  {**BASE_HEADERS, "district": "行政区", "street": "所属街道", "batch_year": "计划年度",
                   "households": "涉及户数", "elevators_planned": "加装电梯", "planned_investment": "概算投资",
                   "completed_investment": "完成投资", "status": "进度", "responsible": "联系人"},
                  "suffix", {**NODE_WORDS, "tender": "招标"}, NODES_NO_SURVEY, "万元", True, "万平方米", "slash",
                  district_value="西海岸新区", coord="plain", status_words=STATUS_A, blank_between_streets=True,
                  seq=False),
    "崂山区": Style("崂山区", "csv-utf8bom", [], False,
                  {**BASE_HEADERS, "community_id": "编号", "name": "小区名", "district": "区（市）",
                   "street": "街道办事处", "batch_year": "批次", "buildings": "栋数", "households": "惠及户数",
                   "bundle": "项目包", "status": "状态"},
                  "plan_actual", NODE_WORDS, NODES_NO_SURVEY, "万元", True, "平方米", "iso",
                  district_value="崂山区", coord="wgs84-hint", status_words=STATUS_A, seq=False,
                  zero_investment_blank=False, filename="崂山区.csv"),
    "李沧区": Style("李沧区", "city", [TITLE_CITY, TITLE_FILL], True,
                  {**BASE_HEADERS, "district": "所属区（市）"},
                  "group", NODE_WORDS, NODES_ALL, "亿元", True, "万平方米", "dot",
                  district_value="李沧区", coord="crs-column", crs_value="BD09", status_words=STATUS_B,
                  subtotals="street"),
    "城阳区": Style("城阳区", "city", [], False, {**BASE_HEADERS, "planned_investment": "总投资",
                                              "status": "状态"},
                  "plan_actual", NODE_WORDS, NODES_ALL, "万元", False, "平方米", "cn",
                  district_value="城阳区", coord="gcj02-hint", status_words=STATUS_B, seq=False,
                  zero_investment_blank=False),
    "即墨区": Style("即墨区", "city", ["即墨区老旧小区改造项目推进台账（截至{dn}）"], False,
                  {**BASE_HEADERS, "district": "区市"},
                  "plan_actual", NODE_WORDS, NODES_NO_SURVEY, "万元", True, "平方米", "compact",
                  district_value="即墨", coord="gcj02-hint", status_words=STATUS_A, subtotals="bottom"),
    "胶州市": Style("胶州市", "city", [TITLE_CITY, TITLE_FILL], True,
                  {**BASE_HEADERS, "district": "所属区（市）", "completed_investment": "已完成投资"},
                  "group", {**NODE_WORDS, "tender": "招标"}, NODES_NO_SURVEY, "万元", True, "平方米", "excel",
                  month_only=("completion", "acceptance"), district_value="胶州市", coord="gcj02-hint",
                  status_words=STATUS_A, subtotals="bottom", funds=True),
    "平度市": Style("平度市", "city", [TITLE_CITY, TITLE_FILL], False, dict(BASE_HEADERS), "plan_actual",
                  NODE_WORDS, NODES_NO_SURVEY, "万元", True, "平方米", "excel", district_value="平度市",
                  coord="bd09-hint", status_words=STATUS_A, subtotals="street", funds=True,
                  responsible="unit"),
    "莱西市": Style("莱西市", "csv-gbk", ["莱西市城镇老旧小区改造项目台账", "截至{dn}"], False,
                  {**BASE_HEADERS, "elevators_planned": "计划加装电梯（部）"},
                  "plan_actual", NODE_WORDS, NODES_NO_SURVEY, "万元", True, "平方米", "slash",
                  district_value="莱西市", coord="gcj02-hint", status_words=STATUS_A, funds=True,
                  filename="莱西市.csv"),
}

FUND_HEADERS = [("fund_central_wan", "中央补助资金"), ("fund_provincial_wan", "省级补助资金"),
                ("fund_local_wan", "市区财政资金"), ("fund_social_wan", "社会资本"), ("fund_resident_wan", "居民出资")]

# Deliberate status words that disagree with the dates (warnings), from May 2022 on.
INCONSISTENT_FROM = date(2022, 5, 1)


def dn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


class Cell:
    """A value with how to write it: kind in text | int | num | date | month."""

    __slots__ = ("v", "kind")

    def __init__(self, v, kind="text"):
        self.v, self.kind = v, kind


def fmt_date_text(d: date, style: str) -> str:
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return f"{d.year}{d.month:02d}{d.day:02d}"
    return d.isoformat()


def money_header(st: Style, word: str) -> str:
    return f"{word}（{st.money_unit}）" if st.money_suffix else word


def money_value(st: Style, wan: float):
    if st.money_unit == "元":
        return Cell(int(round(wan * 10000)), "int")
    if st.money_unit == "亿元":
        return Cell(round(wan / 10000, 6), "num")
    return Cell(round(wan, 2), "num")


def area_value(st: Style, m2: float):
    if st.area_unit == "万平方米":
        return Cell(round(m2 / 10000, 6), "num")
    return Cell(round(m2, 2), "num")


def columns_for(st: Style) -> list[tuple]:
    """[(top header, sub header or None, getter)] in sheet order."""
    h = st.headers
    cols = []

    def add(header, getter, sub=None):
        cols.append((header, sub, getter))

    if st.seq:
        add("序号", lambda r, ctx: Cell(ctx["seq"], "int"))
    add(h["community_id"], lambda r, ctx: Cell(r["community_id"]))
    add(h["name"], lambda r, ctx: Cell(r["name"]))
    add(h["district"], lambda r, ctx: Cell(st.district_value))
    add(h["street"], lambda r, ctx: Cell(r["street"]))
    add(h["batch_year"], lambda r, ctx: Cell(r["batch_year"], "int"))
    add(h["built_year"], lambda r, ctx: Cell(r["built_year"], "int"))
    add(h["buildings"], lambda r, ctx: Cell(r["buildings"], "int"))
    add(h["households"], lambda r, ctx: Cell(r["households"], "int"))
    add(f"{h['floor_area']}（{st.area_unit}）", lambda r, ctx: area_value(st, r["floor_area_m2"]))
    add(h["renovation_class"], lambda r, ctx: Cell(r["renovation_class"]))
    add(h["items"], lambda r, ctx: Cell(r["items"]))
    add(h["elevators_planned"], lambda r, ctx: Cell(r["elevators_planned"], "int"))
    add(h["bundle"], lambda r, ctx: Cell(r["bundle"]))
    add(money_header(st, h["planned_investment"]), lambda r, ctx: money_value(st, r["planned_investment_wan"]))

    def completed(r, ctx):
        v = r["completed_investment_wan"]
        if v == 0 and st.zero_investment_blank:
            return Cell(None)
        return money_value(st, v)

    add(money_header(st, h["completed_investment"]), completed)
    if st.funds:
        for key, word in FUND_HEADERS:
            add(money_header(st, word), (lambda key: lambda r, ctx: money_value(st, r[key]))(key))
    for k in st.nodes:
        word = st.node_names[k]
        for which, cn in (("plan", "计划"), ("actual", "实际")):
            getter = (lambda k, which: lambda r, ctx: date_cell(st, r, k, which))(k, which)
            if st.node_header == "group":
                add(f"{word}时间", getter, sub=cn)
            elif st.node_header == "suffix":
                add(f"{word}时间（{cn}）", getter)
            else:
                add(f"{cn}{word}时间", getter)
    add(h["status"], lambda r, ctx: Cell(r["status_word"]))
    add(h["responsible"], lambda r, ctx: Cell(r["person"] if st.responsible == "person" else r["unit"]))
    if st.coord == "crs-column":
        add("坐标系", lambda r, ctx: Cell(st.crs_value))
    hint = {"gcj02-hint": "（高德）", "bd09-hint": "（百度）", "wgs84-hint": "（WGS84）"}.get(st.coord, "")
    add(f"{h['lon']}{hint}", lambda r, ctx: Cell(r["x"], "num"))
    add(f"{h['lat']}{hint}", lambda r, ctx: Cell(r["y"], "num"))
    return cols


def date_cell(st: Style, r: dict, k: str, which: str) -> Cell:
    v = r[f"{which}_{k}"]
    if v is None:
        return Cell(None)
    if which == "plan" and k in st.month_only:
        return Cell(f"{v.year}年{v.month}月")
    if st.date_style == "excel" and not st.container.startswith("csv"):
        return Cell(v, "date")
    return Cell(fmt_date_text(v, "iso" if st.date_style == "excel" else st.date_style))


def convert_point(st: Style, lon: float, lat: float) -> tuple[float, float]:
    if math.isnan(lon):
        return (math.nan, math.nan)
    crs = {"gcj02-hint": "gcj02", "plain": "gcj02", "bd09-hint": "bd09", "wgs84-hint": "wgs84",
           "crs-column": st.crs_value.lower()}[st.coord]
    if crs == "wgs84":
        return round(lon, 6), round(lat, 6)
    x, y = wgs84_to_gcj02(lon, lat)
    if crs == "bd09":
        x, y = gcj02_to_bd09(x, y)
    return round(float(x), 6), round(float(y), 6)


def sheet_grid(model: Model, st: Style, d: date) -> dict:
    """The sheet of district st.district on report date d: {'rows': [[Cell]], 'merges': [...], 'header_rows': n}."""
    rows = []
    for batch in batches_on(d):
        for r in model.snapshot(st.district, batch, d):
            r["status_word"] = st.status_words[r["node_reached"]]
            r["x"], r["y"] = convert_point(st, r["lon"], r["lat"])
            rows.append(r)
    apply_inconsistencies(model, rows, d)
    cols = columns_for(st)
    grid: list[list] = []
    merges = []
    ncol = len(cols)
    fmt = {"city": CITY, "district": st.district, "dn": dn(d)}
    for line in st.title:
        grid.append([Cell(line.format(**fmt))] + [Cell(None)] * (ncol - 1))
        if st.container == "city":
            merges.append((len(grid) - 1, 0, len(grid) - 1, ncol - 1))
    header_top = len(grid)
    if st.two_row:
        top, sub = [], []
        for j, (h, s, _) in enumerate(cols):
            top.append(Cell(h))
            sub.append(Cell(s))
        grid += [top, sub]
        j = 0
        while j < ncol:
            h, s, _ = cols[j]
            if s is None:
                merges.append((header_top, j, header_top + 1, j))
                j += 1
            else:
                j2 = j
                while j2 + 1 < ncol and cols[j2 + 1][0] == h and cols[j2 + 1][1] is not None:
                    j2 += 1
                merges.append((header_top, j, header_top, j2))
                for jj in range(j + 1, j2 + 1):
                    grid[header_top][jj] = Cell(None)
                j = j2 + 1
    else:
        grid.append([Cell(h) for h, _, _ in cols])
    sum_fields = {"households", "buildings", "elevators_planned", "planned_investment", "completed_investment",
                  "floor_area"}
    sum_headers = {st.headers[f] for f in ("households", "buildings", "elevators_planned")}
    sum_idx = [j for j, (h, s, _) in enumerate(cols)
               if h in sum_headers or h.startswith(st.headers["planned_investment"])
               or h.startswith(st.headers["completed_investment"]) or h.startswith(st.headers["floor_area"])
               or any(h.startswith(w) for _, w in FUND_HEADERS)]
    del sum_fields
    name_idx = [j for j, c in enumerate(cols) if c[0] == st.headers["name"]][0]

    def total_row(label: str, body: list[list], label_col: int) -> list:
        out = [Cell(None)] * ncol
        out[label_col] = Cell(label)
        for j in sum_idx:
            vals = [row[j].v for row in body if row[j].v is not None]
            kind = body[0][j].kind if body else "num"
            if kind == "int":
                out[j] = Cell(int(sum(vals)), "int")
            else:
                out[j] = Cell(round(sum(vals), 6), "num")
        return out

    body_all = []
    groups = []
    seq = 0
    for batch in batches_on(d):
        by_street: dict[str, list] = {}
        for r in rows:
            if r["batch_year"] == batch:
                by_street.setdefault(r["street"], []).append(r)
        for street, rs in by_street.items():
            body = []
            for r in rs:
                seq += 1
                body.append([g(r, {"seq": seq}) for _, _, g in cols])
            groups.append((street, body))
            body_all += body
    label_col = 0
    if st.subtotals == "top":
        grid.append(total_row("合计", body_all, label_col))
    for gi, (street, body) in enumerate(groups):
        grid += body
        if st.subtotals == "street":
            grid.append(total_row(f"{street}小计", body, name_idx))
        if st.blank_between_streets and gi < len(groups) - 1:
            grid.append([Cell(None)] * ncol)
    if st.subtotals in ("street", "bottom"):
        grid.append(total_row("合计", body_all, label_col))
    return {"rows": grid, "merges": merges, "cols": cols, "n_title": len(st.title),
            "n_header": 2 if st.two_row else 1}


def inconsistent_statuses(model: Model) -> dict:
    """community_id -> status word that disagrees with the dates, shown from May 2022 on (three rows).

    平度市: a community that never starts is reported as 已开工; 即墨区: a started one as 未启动;
    市北区: a started, not completed one as 已完工. The reader warns; the dates win.
    """
    picks = {}
    for district, word, cond in (
            ("平度市", "已开工", lambda r: r["actual_start"] is None),
            ("即墨区", "未启动", lambda r: r["actual_start"] is not None and r["actual_start"] < INCONSISTENT_FROM
             and r["actual_completion"] is None),
            ("市北区", "已完工", lambda r: r["actual_start"] is not None and r["actual_start"] < INCONSISTENT_FROM
             and r["actual_completion"] is None)):
        cands = sorted((r["community_id"] for r in model.rows
                        if r["district"] == district and r["batch_year"] == 2022 and cond(r)))
        picks[cands[0]] = word
    return picks


def apply_inconsistencies(model: Model, rows: list[dict], d: date) -> None:
    if d < INCONSISTENT_FROM:
        return
    picks = inconsistent_statuses(model)
    for r in rows:
        if r["community_id"] in picks:
            r["status_word"] = picks[r["community_id"]]


# ----------------------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------------------
def write_xlsx(path: Path, sheets: list[tuple[str, dict]], title: str) -> None:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"title": title, "author": "青岛市住房和城乡建设局", "company": "青岛市住房和城乡建设局",
                       "created": FIXED_CREATED})
    f_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    f_title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    f_head = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    for name, grid in sheets:
        ws = wb.add_worksheet(name)
        rows, merges = grid["rows"], grid["merges"]
        n_title, n_header = grid["n_title"], grid["n_header"]
        merged_cells = {(r1, c1): (r2, c2) for (r1, c1, r2, c2) in merges}
        for i, row in enumerate(rows):
            for j, c in enumerate(row):
                fmt = f_title if i < n_title else (f_head if i < n_title + n_header else None)
                if (i, j) in merged_cells:
                    r2, c2 = merged_cells[(i, j)]
                    ws.merge_range(i, j, r2, c2, c.v if c.v is not None else "", fmt)
                    continue
                if c.v is None:
                    continue
                if c.kind == "date":
                    ws.write_datetime(i, j, datetime(c.v.year, c.v.month, c.v.day), f_date)
                elif c.kind in ("int", "num"):
                    if isinstance(c.v, float) and math.isnan(c.v):
                        continue
                    ws.write_number(i, j, c.v)
                else:
                    ws.write_string(i, j, str(c.v), fmt)
        ws.set_column(0, len(grid["cols"]) - 1, 12)
    wb.close()


def csv_text(grid: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in grid["rows"]:
        out = []
        for c in row:
            if c.v is None or (isinstance(c.v, float) and math.isnan(c.v)):
                out.append("")
            elif c.kind == "num":
                out.append(f"{c.v:.6f}".rstrip("0").rstrip(".") if isinstance(c.v, float) else str(c.v))
            else:
                out.append(str(c.v))
        w.writerow(out)
    return buf.getvalue()


def write_csv(path: Path, grid: dict, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = csv_text(grid)
    data = text.encode("gb18030") if encoding == "gbk" else b"\xef\xbb\xbf" + text.encode("utf-8")
    path.write_bytes(data)


def city_workbook_name(d: date) -> str:
    return f"青岛市老旧小区改造项目台账（截至{dn(d)}）.xlsx"


PLAN_FILENAME = "青岛市2022-2024年城镇老旧小区改造计划.xlsx"


def write_report_date(model: Model, out: Path, d: date) -> list[Path]:
    folder = out / d.isoformat()
    written = []
    sheets = []
    for spec in DISTRICTS:
        st = STYLES[spec.name]
        if d not in district_dates(spec.name):
            continue
        grid = sheet_grid(model, st, d)
        if st.container == "city":
            sheets.append((spec.name, grid))
        else:
            p = folder / st.filename
            write_csv(p, grid, "gbk" if st.container == "csv-gbk" else "utf8")
            written.append(p)
    p = folder / city_workbook_name(d)
    write_xlsx(p, sheets, f"青岛市老旧小区改造项目台账（截至{dn(d)}）")
    written.append(p)
    return written


def plan_grid(model: Model) -> dict:
    cols = ["序号", "小区编号", "小区名称", "所属区市", "街道", "改造年度", "建成年代", "楼栋数", "户数",
            "建筑面积（平方米）", "改造类型", "改造内容", "加装电梯（部）", "打包项目", "计划投资（万元）",
            "累计完成投资（万元）", "计划开工时间", "计划完工时间", "备注"]
    grid = [[Cell("青岛市2022-2024年城镇老旧小区改造计划")] + [Cell(None)] * (len(cols) - 1),
            [Cell(f"编制单位：青岛市住房和城乡建设局    下达日期：2021年9月30日    截至{dn(PLAN_DATE)}")]
            + [Cell(None)] * (len(cols) - 1),
            [Cell(c) for c in cols]]
    seq = 0
    code = {d.name: d.code for d in DISTRICTS}
    plan = [r for r in model.rows if r["batch_year"] in (2022, 2023, 2024)]
    plan.sort(key=lambda r: (r["batch_year"], code[r["district"]], r["community_id"]))
    for r in plan:
        seq += 1
        if r["batch_year"] == 2022:
            ps, pc = Cell(r["plan_start"], "date"), Cell(r["plan_completion"], "date")
            note = "2022年度计划（已下达）"
        else:
            ps = Cell(f"{r['plan_start'].year}年{r['plan_start'].month}月")
            pc = Cell(f"{r['plan_completion'].year}年{r['plan_completion'].month}月")
            note = f"{r['batch_year']}年度储备"
        grid.append([Cell(seq, "int"), Cell(r["community_id"]), Cell(r["name"]), Cell(r["district"]),
                     Cell(r["street"]), Cell(r["batch_year"], "int"), Cell(r["built_year"], "int"),
                     Cell(r["buildings"], "int"), Cell(r["households"], "int"), Cell(r["floor_area_m2"], "num"),
                     Cell(r["renovation_class"]), Cell(r["items"]), Cell(r["elevators_planned"], "int"),
                     Cell(r["bundle"] if r["batch_year"] == 2022 else None), Cell(r["planned_investment_wan"], "num"),
                     Cell(None), ps, pc, Cell(note)])
    n = len(cols)
    return {"rows": grid, "merges": [(0, 0, 0, n - 1), (1, 0, 1, n - 1)], "cols": [(c, None, None) for c in cols],
            "n_title": 2, "n_header": 1}


def write_plan(model: Model, out: Path) -> Path:
    p = out / PLAN_DATE.isoformat() / PLAN_FILENAME
    write_xlsx(p, [("2022-2024年计划", plan_grid(model))], "青岛市2022-2024年城镇老旧小区改造计划")
    return p


def generate(out: Path = DEFAULT_OUT, dates: list[date] | None = None, model: Model | None = None,
             plan: bool = True) -> list[Path]:
    model = model or Model()
    out = Path(out)
    written = []
    for d in dates or report_dates():
        written += write_report_date(model, out, d)
    if plan:
        written.append(write_plan(model, out))
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="print the story figures of the model and exit")
    args = ap.parse_args(argv)
    model = Model()
    if args.check:
        for k, v in model.story().items():
            print(f"{k}: {v}")
        return 0
    if args.out.exists():
        import shutil

        for child in sorted(args.out.iterdir()):
            if child.is_dir() and len(child.name) == 10 and child.name[4] == "-":
                shutil.rmtree(child)
    files = generate(args.out, model=model)
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {size / 1e6:.1f} MB, under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
