"""The sample-data generator (scripts/generate_sample_data.py, its steps in scripts/sample_generator/): the story
figures of its model, consistency of the life cycles and money, points inside their districts, file formats and
byte-for-byte determinism."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEDGERS = ROOT / "sample_data" / "ledgers"
sys.path.insert(0, str(ROOT / "scripts"))

from sample_generator.districts import DISTRICTS  # noqa: E402
from sample_generator.model import Model  # noqa: E402
from sample_generator.schedule import district_dates, report_dates  # noqa: E402
from sample_generator.sheets import plan_grid  # noqa: E402
from sample_generator.story import END, GEOJSON, LAIXI_LAST, NODE_KEYS, booking_window  # noqa: E402
from sample_generator.styles import STYLES  # noqa: E402
from sample_generator.writers import PLAN_FILENAME, city_workbook_name, generate  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return Model()


def test_story_figures(model):
    s = model.story()
    assert s["communities_2022"] == 318
    assert s["started_2022"] == 300
    assert s["start_rate_2022"] == 94.3
    assert s["consulted_by_2021_12_31"] == 273
    assert s["designed_by_2021_12_31"] == 216
    inv22 = s["completed_investment_2022_by_2022_04_30_wan"]
    inv21 = s["completed_investment_2021_by_2021_04_30_wan"]
    assert 70_000 <= inv22 < 70_100
    assert 12_000 <= inv21 < 12_100
    assert f"{inv22 / 10000:.1f}" == "7.0"
    assert f"{inv21 / 10000:.1f}" == "1.2"
    assert f"{(inv22 - inv21) / 10000:.1f}" == "5.8"
    # the weekly bulletin of 2022-05-31 states the same figures (May is booked after the month closes)
    inv22_may = s["completed_investment_2022_by_2022_05_31_wan"]
    inv21_may = s["completed_investment_2021_by_2021_05_31_wan"]
    assert inv22 < inv22_may and f"{inv22_may / 10000:.1f}" == "7.0"
    assert inv21 < inv21_may and f"{inv21_may / 10000:.1f}" == "1.2"
    assert f"{(inv22_may - inv21_may) / 10000:.1f}" == "5.8"
    assert s["bundles_2022"] == 120
    assert s["elevators_2022"] == 100
    assert s["plan_communities"] == 1108
    assert s["plan_by_batch"] == {2022: 318, 2023: 473, 2024: 317}
    assert s["plan_households"] == 300_000
    assert s["plan_investment_wan"] == 1_400_000


def test_batch_2023_matches_domain_notes(model):
    rows = [r for r in model.rows if r["batch_year"] == 2023]
    assert sum(r["households"] for r in rows) == 137_714
    assert sum(r["buildings"] for r in rows) == 3_782
    assert round(sum(r["floor_area_m2"] for r in rows), 2) == 11_094_800


def test_report_dates():
    dates = report_dates()
    assert dates[0] == date(2021, 1, 8) and dates[-1] == date(2022, 5, 31)
    assert date(2021, 1, 31) in dates and date(2022, 4, 30) in dates and date(2022, 5, 27) in dates
    fridays = [d for d in dates if d.weekday() == 4]
    assert len(fridays) == 73
    assert all(d.weekday() == 4 or (d + timedelta(days=1)).day == 1 for d in dates)
    assert district_dates("莱西市")[-1] == date(2022, 5, 20)
    assert district_dates("市北区")[-1] == date(2022, 5, 31)


def test_district_progress_has_laggards(model):
    rows = model.as_of(END, 2022)

    def started(name):
        rs = [r for r in rows if r["district"] == name]
        return sum(r["node_reached"] >= 6 for r in rs), len(rs)

    assert started("平度市") == (13, 20)     # 65%: more than 30 points behind schedule (红)
    assert started("即墨区") == (20, 25)     # 80%: 20 points behind (黄)
    assert started("市南区") == (30, 30)
    assert started("崂山区") == (8, 8)
    # district sizes: 市北区 and 李沧区 large, 崂山区 small
    sizes = {d.name: d.counts[2022] for d in DISTRICTS}
    assert sizes["市北区"] == 75 and sizes["李沧区"] == 60 and sizes["崂山区"] == 8
    # the not-started ones: most overdue, a few due within 14 days of their district's last report
    overdue = due_soon = 0
    for r in rows:
        if r["node_reached"] >= 6:
            continue
        last = LAIXI_LAST if r["district"] == "莱西市" else END
        if r["plan_start"] <= last:
            overdue += 1
        elif r["plan_start"] <= last + timedelta(days=14):
            due_soon += 1
    assert (overdue, due_soon) == (15, 3)


def test_life_cycles_are_consistent(model):
    for r in model.rows:
        actual = [r[f"actual_{k}"] for k in NODE_KEYS if r[f"actual_{k}"] is not None]
        assert actual == sorted(actual), r["community_id"]
        assert all(d <= END for d in actual)
        plan = [r[f"plan_{k}"] for k in NODE_KEYS if r[f"plan_{k}"] is not None]
        assert plan == sorted(plan), r["community_id"]
        if r["batch_year"] == 2022 and r["district"] == "莱西市" and r["actual_start"] is not None:
            assert r["actual_start"] <= LAIXI_LAST
        if r["batch_year"] in (2021, 2022):
            assert r["plan_start"] is not None
            assert r["actual_start"] is not None or r["batch_year"] == 2022
        assert 60 <= r["households"] <= 900
        assert 1980 <= r["built_year"] <= 2000


def test_investment_grows_and_stays_within_plan(model):
    for r in model.rows:
        if r["batch_year"] > 2022:
            continue
        last = 0.0
        for d in district_dates(r["district"]):
            v = model.completed_wan(r, d)
            w0, w1 = booking_window(r["batch_year"])
            booked_later = r["actual_start"] is not None and w0 < r["actual_start"] and d <= w1
            if r["actual_start"] is None or d < r["actual_start"] or booked_later:
                assert v == 0
            else:
                assert v > 0
            assert v >= last
            assert v <= r["planned_investment_wan"]
            last = v
        funds = sum(r[k] for k in ("fund_central_wan", "fund_provincial_wan", "fund_local_wan",
                                   "fund_social_wan", "fund_resident_wan"))
        assert round(funds, 2) == r["planned_investment_wan"]


def test_points_inside_their_district(model):
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import Point

    geo = gpd.read_file(GEOJSON).set_index("name")
    for r in model.rows:
        if r["batch_year"] > 2022:
            continue
        assert geo.loc[r["district"], "geometry"].contains(Point(r["lon"], r["lat"])), r["community_id"]


def test_bundles_group_nearby_communities(model):
    rows = [r for r in model.rows if r["batch_year"] == 2022]
    bundles = {}
    for r in rows:
        assert r["bundle"].startswith(f"{r['district']}2022年老旧小区改造项目（") and r["bundle"].endswith("标段）")
        bundles.setdefault(r["bundle"], set()).add(r["street"])
    assert len(bundles) == 120
    assert sum(len(s) == 1 for s in bundles.values()) > 90   # mostly one street per bundle


@pytest.fixture(scope="module")
def generated(tmp_path_factory, model):
    dates = [date(2021, 4, 30), date(2022, 5, 20), date(2022, 5, 31)]
    a = tmp_path_factory.mktemp("a")
    b = tmp_path_factory.mktemp("b")
    files_a = generate(a, dates=dates, model=model)
    generate(b, dates=dates, model=Model())
    return a, b, files_a


def test_deterministic_and_committed_data_is_current(generated):
    a, b, files = generated
    assert len(files) == 3 + 3 + 2 + 1   # city workbook + 2 CSVs each day (莱西 absent on 05-31) + the plan
    for p in files:
        rel = p.relative_to(a)
        assert p.read_bytes() == (b / rel).read_bytes(), rel
        committed = LEDGERS / rel
        if LEDGERS.exists():
            assert committed.exists(), rel
            assert committed.read_bytes() == p.read_bytes(), f"{rel} differs: rerun the generator"


def test_file_formats(generated):
    a, _, _ = generated
    laixi = (a / "2022-05-20" / "莱西市.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        laixi.decode("utf-8")
    text = laixi.decode("gb18030")
    assert text.startswith("莱西市城镇老旧小区改造项目台账")
    assert "截至2022年5月20日" in text.splitlines()[1]
    laoshan = (a / "2022-05-31" / "崂山区.csv").read_bytes()
    assert laoshan.startswith(b"\xef\xbb\xbf")
    assert laoshan.decode("utf-8-sig").splitlines()[0].startswith("编号,小区名,区（市）")
    assert not (a / "2022-05-31" / "莱西市.csv").exists()

    import openpyxl

    wb = openpyxl.load_workbook(a / "2022-05-31" / "青岛市老旧小区改造项目台账（截至2022年5月31日）.xlsx")
    assert wb.sheetnames == ["市南区", "市北区", "黄岛区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市"]
    sb = wb["市北区"]
    assert sb["A2"].value == "填报单位：市北区住房和城乡建设局    截至2022年5月31日"
    assert "AA3:AB3" in {str(m) for m in sb.merged_cells.ranges}   # 开工时间 over 计划 | 实际
    assert sb["AA3"].value == "开工时间" and sb["AA4"].value == "计划" and sb["AB4"].value == "实际"
    assert sb["A5"].value == "合计"                                  # total right under the header
    assert sb["D6"].value == " 市北 "
    hd = wb["黄岛区"]
    assert hd["A1"].value == "小区编号" and hd["C2"].value == "西海岸新区"
    assert wb.properties.created.year == 2022

    plan = openpyxl.load_workbook(a / "2021-09-30" / PLAN_FILENAME)
    ws = plan.active
    assert ws.title == "2022-2024年计划" and ws.max_row == 3 + 1108
    assert "截至2021年9月30日" in ws["A2"].value


def test_plan_rows_match_weekly_ledgers(model):
    weekly = {r["community_id"]: r for r in model.as_of(END, 2022)}
    grid = plan_grid(model)
    header = [c.v for c in grid["rows"][2]]
    body = grid["rows"][3:]
    plan22 = [row for row in body if row[header.index("改造年度")].v == 2022]
    assert len(plan22) == 318
    for row in plan22:
        w = weekly[row[header.index("小区编号")].v]
        assert row[header.index("小区名称")].v == w["name"]
        assert row[header.index("户数")].v == w["households"]
        assert row[header.index("计划投资（万元）")].v == w["planned_investment_wan"]
        assert row[header.index("累计完成投资（万元）")].v is None


def test_read_through_the_reader(generated, model):
    """When the project's reader exists: the sample files read without errors and give the model's rows."""
    reader = pytest.importorskip("loaders.reader")
    a, _, _ = generated
    day = date(2022, 5, 31)
    res = reader.read_ledger(a / "2022-05-31" / city_workbook_name(day), report_date=day)
    assert not res.errors, [e.describe() for e in res.errors[:5]]
    f = res.frame
    b22 = f[f["batch_year"] == 2022]
    expected = {d.name: d.counts[2022] for d in DISTRICTS if STYLES[d.name].container == "city"}
    assert b22.groupby("district").size().to_dict() == expected
    started = {r["district"]: 0 for r in model.as_of(day, 2022)}
    for r in model.as_of(day, 2022):
        started[r["district"]] += r["node_reached"] >= 6
    got = (b22["node_reached"] >= 6).groupby(b22["district"]).sum().to_dict()
    assert got == {k: v for k, v in started.items() if k in expected}
    for name in ("崂山区.csv",):
        r2 = reader.read_ledger(a / "2022-05-31" / name, report_date=day)
        assert not r2.errors, [e.describe() for e in r2.errors[:5]]
        assert len(r2.frame) == 10 + 8
    r3 = reader.read_ledger(a / "2022-05-20" / "莱西市.csv", report_date=date(2022, 5, 20))
    assert not r3.errors, [e.describe() for e in r3.errors[:5]]
    assert (r3.frame["batch_year"] == 2022).sum() == 18
    assert int((r3.frame["node_reached"] >= 6).sum()) == 18 + 17
