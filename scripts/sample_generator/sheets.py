"""Step 5: the grid of cells of one district's ledger on a report date, in its style (and the plan workbook's)."""
from __future__ import annotations

import math
from datetime import date

from loaders.coords import gcj02_to_bd09, wgs84_to_gcj02
from sample_generator.schedule import batches_on
from sample_generator.districts import DISTRICTS
from sample_generator.model import Model
from sample_generator.story import CITY, PLAN_DATE
from sample_generator.styles import FUND_HEADERS, Style


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
