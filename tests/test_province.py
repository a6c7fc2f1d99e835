"""The province level (settings [province] file): the hierarchy read from configuration, cities as the rows of a
province's figures, the sidebar's city filter, city users who see their city only, city administrators who
manage their city's accounts only.

The second city (烟台市, two districts, two squares of boundary) exists only in each test's tmp_path: the sample
data stays Qingdao's.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from auth_support import PASSWORD, log_in
from test_pages import PAGES, assert_clean, dataframe, fresh_caches, gauges, open_app  # noqa: F401 (autouse)

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2023-06-30"

YANTAI = """city = "烟台市"
bbox = { min_lon = 120.5, min_lat = 36.8, max_lon = 122.0, max_lat = 38.0 }

[[district]]
code = "370602"
name = "芝罘区"
aliases = ["芝罘"]

[[district]]
code = "370611"
name = "福山区"
"""


def _square(name: str, lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def province_files(folder: Path, *, yantai: str = YANTAI, extra_city: str = "") -> Path:
    """A province of 青岛市 (the bundled districts and boundaries) and a tiny 烟台市; returns the province file."""
    (folder / "yantai.toml").write_text(yantai, encoding="utf-8")
    (folder / "yantai.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        _square("芝罘区", 121.3, 37.5), _square("福山区", 121.1, 37.4)]}), encoding="utf-8")
    path = folder / "province.toml"
    path.write_text(f"""province = "山东省"

[[city]]
name = "青岛市"
districts = "{ROOT / 'config' / 'districts.toml'}"
boundaries = "{ROOT / 'sample_data' / 'geo' / 'qingdao_districts.geojson'}"

[[city]]
name = "烟台市"
districts = "{folder / 'yantai.toml'}"
boundaries = "{folder / 'yantai.geojson'}"
{extra_city}""", encoding="utf-8")
    return path


def use_province(folder: Path, monkeypatch, province: Path | None = None) -> Path:
    province = province or province_files(folder)
    settings = folder / "settings-province.toml"
    settings.write_text(f'[auth]\ndelay_s = 0.01\nmax_delay_s = 0.02\n\n[province]\nfile = "{province}"\n\n'
                        '[bulletin]\noffice = "山东省住房和城乡建设厅"\n', encoding="utf-8")
    monkeypatch.setenv("LEDGER_SETTINGS", str(settings))
    return province


# --------------------------------------------------------------------------------------------- configuration
def test_without_a_province_the_configuration_is_one_city():
    from loaders import config
    from ui.layout import app_title

    h = config.hierarchy()
    assert h.province is None and [c.name for c in h.cities] == ["青岛市"]
    assert config.is_province() is False and config.area_name() == "青岛市"
    assert len(config.district_names()) == 10 and config.boundary_files() == [config.boundaries_path()]
    assert app_title() == "青岛市城镇老旧小区改造调度平台"


def test_the_province_file_gives_cities_their_districts_and_boundaries(tmp_path, monkeypatch):
    from loaders import config, districts, geodata

    use_province(tmp_path, monkeypatch)
    h = config.hierarchy()
    assert h.province == "山东省" and config.area_name() == "山东省"
    assert config.city_names() == ["青岛市", "烟台市"]
    assert config.district_names()[-3:] == ["莱西市", "芝罘区", "福山区"]
    mapping = config.district_cities(h)
    assert mapping["市北区"] == "青岛市" and mapping["芝罘区"] == "烟台市" and len(mapping) == 12
    assert config.city_district_names("烟台市") == ["芝罘区", "福山区"]
    assert config.city_bbox() == {"min_lon": 119.5, "min_lat": 35.5, "max_lon": 122.0, "max_lat": 38.0}
    # names written with the city, its alias or its code reach the district of the right city
    written = ("烟台市芝罘区", "芝罘", "370611", "青岛市市北区")
    assert [districts.canonical(v) for v in written] == ["芝罘区", "芝罘区", "福山区", "市北区"]
    names = set(geodata.load_boundaries()["name"])
    assert {"芝罘区", "福山区", "市北区"} <= names and len(names) == 12
    config.validate()


def _error(tmp_path, monkeypatch, province: Path) -> str:
    from loaders import config

    use_province(tmp_path, monkeypatch, province)
    with pytest.raises(config.ConfigError) as caught:
        config.hierarchy()
    return str(caught.value)


def test_a_districts_file_of_another_city_is_refused_naming_both_files(tmp_path, monkeypatch):
    province = province_files(tmp_path, yantai=YANTAI.replace('city = "烟台市"', 'city = "威海市"'))
    message = _error(tmp_path, monkeypatch, province)
    assert "威海市" in message and "烟台市" in message
    assert str(tmp_path / "yantai.toml") in message and str(province) in message
    assert "第2个 [[city]] name" in message


def test_a_district_in_two_cities_is_refused_naming_the_files_and_key(tmp_path, monkeypatch):
    twice = YANTAI + '\n[[district]]\ncode = "370699"\nname = "市北区"\n'
    province = province_files(tmp_path, yantai=twice)
    message = _error(tmp_path, monkeypatch, province)
    assert "市北区" in message and "青岛市" in message and "烟台市" in message
    assert str(province) in message and str(tmp_path / "yantai.toml") in message
    assert "[[district]] name" in message and "只能属于一个城市" in message


def test_a_city_named_twice_or_incomplete_is_refused(tmp_path, monkeypatch):
    again = f'\n[[city]]\nname = "烟台市"\ndistricts = "{tmp_path / "yantai.toml"}"\nboundaries = "x.geojson"\n'
    message = _error(tmp_path, monkeypatch, province_files(tmp_path, extra_city=again))
    assert "“烟台市”出现了两次" in message and "第3个 [[city]] name" in message
    other = tmp_path / "other"      # loaders.config caches each file by its path
    other.mkdir()
    incomplete = '\n[[city]]\nname = "威海市"\n'
    message = _error(other, monkeypatch, province_files(other, extra_city=incomplete))
    assert "第3个 [[city]] 缺少 districts" in message and str(other / "province.toml") in message


# ------------------------------------------------------------------------------------------------- metrics
def _row(cid: str, district: str, node: int, plan_start: str = "2023-05-01") -> dict:
    return {"community_id": cid, "name": f"{cid}小区", "district": district, "street": "街道", "batch_year": 2023,
            "households": 100, "planned_investment_wan": 100.0, "completed_investment_wan": 10.0 * node,
            "plan_start": plan_start, "node_reached": node, "status": "施工" if node >= 6 else "招投标",
            "lon": None, "lat": None}


# 青岛市: 3 of 6 started (50%); 烟台市: 3 of 4 (75%), 芝罘区 1 of 2, 福山区 2 of 2
ROWS = [_row("SB-1", "市北区", 6), _row("SB-2", "市北区", 7), _row("SB-3", "市北区", 6), _row("SB-4", "市北区", 2),
        _row("SN-1", "市南区", 0), _row("SN-2", "市南区", 3),
        _row("ZF-1", "芝罘区", 6), _row("ZF-2", "芝罘区", 1), _row("FS-1", "福山区", 6), _row("FS-2", "福山区", 8)]


def frame(rows=ROWS) -> pd.DataFrame:
    from loaders.schema import conform

    raw = pd.DataFrame(rows)
    raw["plan_start"] = pd.to_datetime(raw["plan_start"])
    return conform(raw)


def test_city_progress_groups_districts_by_city_in_the_province_order(tmp_path, monkeypatch):
    from loaders import config
    from metrics.progress import UNASSIGNED_CITY, city_progress

    use_province(tmp_path, monkeypatch)
    stray = frame(ROWS + [_row("X-1", "外省区", 6)])
    p = city_progress(stray, AS_OF, config.district_cities(config.hierarchy()))
    assert p["district"].tolist() == ["青岛市", "烟台市", UNASSIGNED_CITY]
    assert p["planned"].tolist() == [6, 4, 1] and p["started"].tolist() == [3, 3, 1]
    assert p["start_rate"].round(6).tolist() == [50.0, 75.0, 100.0]
    assert p.set_index("district")["rank_start"].to_dict() == {"青岛市": 3, "烟台市": 2, UNASSIGNED_CITY: 1}


# ------------------------------------------------------------------------------------------------ the pages
@pytest.fixture
def province_store(tmp_path, monkeypatch):
    """Two cities' ledgers in a fresh store, the province configured."""
    from loaders.report import LedgerResult
    from loaders.store import LedgerStore

    use_province(tmp_path, monkeypatch)
    store = LedgerStore(tmp_path / "province.sqlite")
    store.import_result(LedgerResult(frame(), pd.Timestamp(AS_OF).date(), "province.csv"))
    monkeypatch.setenv("LEDGER_DB", str(store.path))
    return store


def _rounded(values: dict) -> dict:
    return {k: round(v, 6) for k, v in values.items()}


def test_overview_at_province_level_shows_cities_then_a_chosen_citys_districts(province_store):
    at = open_app()
    assert at.sidebar.markdown[0].value == "**山东省城镇老旧小区改造调度平台**"
    assert _rounded(gauges(at)) == {"青岛市": 50.0, "烟台市": 75.0}
    assert "#### 各城市开工率　落后在前，颜色按序时进度预警" in [m.value for m in at.markdown]
    ranking = dataframe(at, "ranking")
    assert ranking["城市"].tolist() == ["烟台市", "青岛市"] and ranking["开工率"].tolist() == [75.0, 50.0]
    city = at.multiselect(key="city")
    assert city.options == ["青岛市", "烟台市"]
    assert at.multiselect(key="district").options[-2:] == ["芝罘区", "福山区"]

    city.set_value(["烟台市"]).run()
    assert_clean(at)
    assert _rounded(gauges(at)) == {"芝罘区": 50.0, "福山区": 100.0}
    assert at.multiselect(key="district").options == ["芝罘区", "福山区"]
    assert dataframe(at, "ranking")["区市"].tolist() == ["福山区", "芝罘区"]
    assert any("烟台市" in c.value and "4个小区" in c.value for c in at.caption)


def test_a_city_administrator_sees_only_its_city(province_store):
    from loaders import accounts

    accounts.create_account(province_store, accounts.operator(), "yantai1", "city", ("烟台市",), PASSWORD)
    at = log_in(open_app(), "yantai1")
    assert_clean(at)
    assert not [m for m in at.multiselect if m.key == "city"]            # nothing to choose: its city only
    assert _rounded(gauges(at)) == {"芝罘区": 50.0, "福山区": 100.0}
    at.switch_page("views/ledger.py").run()
    assert_clean(at)
    shown = dataframe(at, "communities")["小区编号"].tolist()
    assert sorted(shown) == ["FS-1", "FS-2", "ZF-1", "ZF-2"]           # the data, not only the widgets
    at.switch_page("views/reporting.py").run()
    assert_clean(at)
    assert dataframe_districts(at) == ["芝罘区", "福山区"]


def dataframe_districts(at) -> list[str]:
    return next(e.value["区市"].tolist() for e in at.dataframe if "报送状态" in e.value.columns)


# ------------------------------------------------------------------------------------------------- accounts
def test_a_city_administrator_manages_its_own_citys_accounts_only(province_store):
    from loaders import accounts, audit

    store, op = province_store, accounts.operator()
    yantai = accounts.create_account(store, op, "yantai1", "city", ("烟台市",), PASSWORD).actor()
    accounts.create_account(store, op, "shibei1", "district", ("市北区",), PASSWORD)
    clerk = accounts.create_account(store, yantai, "zhifu1", "district", ("芝罘区",), PASSWORD)
    assert clerk.districts == ("芝罘区",)
    with pytest.raises(accounts.NotAuthorized, match="只能管理烟台市"):
        accounts.create_account(store, yantai, "shinan1", "district", ("市南区",), PASSWORD)
    with pytest.raises(accounts.NotAuthorized, match="只能管理烟台市"):
        accounts.set_password(store, yantai, "shibei1", "another-pass-1")
    with pytest.raises(accounts.NotAuthorized, match="只能管理烟台市"):
        accounts.set_role(store, yantai, "zhifu1", "district", ("市北区",))
    with pytest.raises(accounts.NotAuthorized, match="只能管理烟台市"):
        accounts.create_account(store, yantai, "viewer2", "viewer", (), PASSWORD)
    refused = [e for e in audit.entries(store) if e.outcome == "refused" and e.user == "yantai1"]
    assert len(refused) == 4 and all("只能管理烟台市" in e.reason for e in refused)
    # a city administrator must name one configured city; the province administrator names none
    with pytest.raises(accounts.AccountError, match="必须指定一个城市"):
        accounts.create_account(store, op, "nocity", "city", (), PASSWORD)
    boss = accounts.create_account(store, op, "sheng1", "province", (), PASSWORD).actor()
    accounts.set_password(store, boss, "shibei1", "another-pass-1")
    assert accounts.visible_cities(boss) == ["青岛市", "烟台市"]
    assert accounts.visible_cities(yantai) == ["烟台市"]
    assert accounts.visible_cities(accounts.get_account(store, "shibei1").actor()) == ["青岛市"]
    assert yantai.covers("芝罘区") and not yantai.covers("市北区")


def test_without_a_province_there_is_no_province_role(tmp_path, monkeypatch):
    from loaders import accounts
    from loaders.store import LedgerStore

    monkeypatch.delenv("LEDGER_SETTINGS", raising=False)
    store = LedgerStore(tmp_path / "one-city.sqlite")
    with pytest.raises(accounts.AccountError, match="角色「province」不存在"):
        accounts.create_account(store, accounts.operator(), "sheng1", "province", (), PASSWORD)
    admin = accounts.create_account(store, accounts.operator(), "city1", "city", (), PASSWORD).actor()
    assert admin.covers("市北区") and accounts.visible_cities(admin) == ["青岛市"]


# ----------------------------------------------------------------------------------------- command line, bulletin
def test_summary_groups_the_districts_by_city_with_each_citys_line(province_store, capsys):
    from cli.main import main

    assert main(["summary", "--db", str(province_store.path), "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    firsts = [line.split()[0] for line in out.splitlines() if line.strip()]
    rows = firsts[firsts.index("区市") + 2:][:7]     # after the header and its rule
    assert rows == ["市南区", "市北区", "青岛市小计", "芝罘区", "福山区", "烟台市小计", "全省合计"]
    assert next(line for line in out.splitlines() if line.startswith("烟台市小计")).split()[1:4] == ["4", "3", "75.0%"]


def test_the_bulletin_of_a_city_ranks_its_districts_of_the_province_its_cities(province_store):
    from bulletin.content import area_name, build_content

    content = build_content(province_store, pd.Timestamp(AS_OF).date(), [2023], ["芝罘区", "福山区"])
    assert content.title == "烟台市城镇老旧小区改造工作动态周通报"
    assert area_name(None) == "全省" and area_name(["芝罘区"]) == "芝罘区"
    assert [r[1] for r in content.tables["ranking_start"].rows] == ["福山区", "芝罘区", "合计"]

    whole = build_content(province_store, pd.Timestamp(AS_OF).date(), [2023])
    assert whole.title == "山东省城镇老旧小区改造工作动态周通报"
    assert whole.office == content.office == "山东省住房和城乡建设厅"     # settings [bulletin] office
    assert whole.sections[1].heading == "二、各城市排名"
    table = whole.tables["ranking_start"]
    assert table.title == "表1  各城市开工进度排名" and table.columns[1].label == "城市"
    assert [(r[1], r[4]) for r in table.rows] == [("烟台市", 75.0), ("青岛市", 50.0), ("合计", 60.0)]


def test_a_city_administrators_audit_page_shows_its_city_only(province_store):
    from loaders import accounts

    op = accounts.operator()
    yantai = accounts.create_account(province_store, op, "yantai1", "city", ("烟台市",), PASSWORD).actor()
    accounts.create_account(province_store, op, "shibei1", "district", ("市北区",), PASSWORD)
    accounts.create_account(province_store, yantai, "zhifu1", "district", ("芝罘区",), PASSWORD)
    at = log_in(open_app(), "yantai1")
    at.switch_page("views/audit.py").run()
    assert_clean(at)
    table = next(e.value for e in at.dataframe if "操作" in e.value.columns)
    assert set(table["账号"]) - {""} == {"zhifu1"}        # made by yantai1; not shibei1, Qingdao's clerk
    assert set(table["用户"]) == {"yantai1"} and "登录" in set(table["操作"])
    assert at.multiselect(key="audit_districts").options == ["芝罘区", "福山区"]
    at.switch_page("views/accounts.py").run()
    assert_clean(at)
    listed = next(e.value for e in at.dataframe if "用户名" in e.value.columns)["用户名"].tolist()
    assert listed == ["yantai1", "zhifu1"]
    assert at.selectbox(key="new_role").options == ["市级管理员", "区市填报员"]
    assert at.selectbox(key="new_city").options == ["烟台市"]
    assert at.multiselect(key="new_districts").options == ["芝罘区", "福山区"]


def test_the_big_screen_at_province_level_shows_cities(province_store):
    at = open_app("views/bigscreen.py")
    assert _rounded(gauges(at)) == {"青岛市": 50.0, "烟台市": 75.0}
    assert any("进度滞后城市" in h.body for h in at.get("html"))


def test_a_ledger_of_the_second_city_is_read_with_its_districts(tmp_path, monkeypatch):
    """The reader (in its worker process, which reads the same settings) knows every city's districts; without
    the province the same file names an unknown district."""
    from auth_support import lb, read

    rows = [lb.row(1, "ZF-001", "芝罘小区", "烟台市芝罘区", lon=121.35, lat=37.55),
            lb.row(2, "FS-001", "福山小区", "福山区", lon=None, lat=None)]
    path = lb.write_xlsx(tmp_path / "烟台.xlsx", {"烟台市": lb.standard_sheet(rows)})
    use_province(tmp_path, monkeypatch)
    result = read(path)
    assert not result.errors, [i.message for i in result.errors]
    assert result.frame["district"].tolist() == ["芝罘区", "福山区"]
    assert not [i for i in result.warnings if "范围内" in i.message]   # inside the province's box
    monkeypatch.delenv("LEDGER_SETTINGS")
    assert any("无法识别的区市" in i.message for i in read(path).errors)


@pytest.mark.parametrize("page", [*PAGES, "views/reporting.py", "views/bigscreen.py"])
def test_every_page_runs_at_province_level(province_store, page):
    at = open_app(page)
    assert any(c.value.startswith(f"数据截至2023年6月30日 · {'1' if page == 'views/district.py' else '4'}个区市台账")
               for c in at.caption) or page == "views/bigscreen.py"


def test_the_province_map_outlines_and_names_its_cities_then_a_chosen_citys_districts(province_store):
    import json

    from figures.map import BOUNDARY_LAYER_ID, CITY_LAYER_ID, LABEL_LAYER_ID

    def layers(at) -> dict:
        spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        return {layer["id"]: layer for layer in spec["layers"]}

    at = open_app("views/map.py")
    shown = layers(at)
    cities = shown[CITY_LAYER_ID]["data"]["features"]
    assert sorted(f["properties"]["name"] for f in cities) == ["烟台市", "青岛市"]
    assert len(shown[BOUNDARY_LAYER_ID]["data"]["features"]) == 12          # the districts stay underneath
    assert sorted(label["label"] for label in shown[LABEL_LAYER_ID]["data"]) == ["烟台市", "青岛市"]
    at.multiselect(key="city").set_value(["烟台市"]).run()
    assert_clean(at)
    shown = layers(at)
    assert CITY_LAYER_ID not in shown
    assert {label["label"] for label in shown[LABEL_LAYER_ID]["data"]} >= {"芝罘区", "福山区"}


PLACES = {"市北区": (120.37, 36.10), "市南区": (120.38, 36.07), "芝罘区": (121.35, 37.55), "福山区": (121.15, 37.45)}


def test_zoomed_out_the_province_map_draws_one_circle_per_city(tmp_path, monkeypatch):
    import json

    from figures.map import CLUSTER_HINTS, CLUSTER_LAYER_ID
    from loaders.report import LedgerResult
    from loaders.store import LedgerStore
    from ui import data

    use_province(tmp_path, monkeypatch)
    located = [{**row, "lon": PLACES[row["district"]][0], "lat": PLACES[row["district"]][1]} for row in ROWS]
    store = LedgerStore(tmp_path / "province.sqlite")
    store.import_result(LedgerResult(frame(located), pd.Timestamp(AS_OF).date(), "province.csv"))
    monkeypatch.setenv("LEDGER_DB", str(store.path))
    monkeypatch.setattr(data, "MAP_POINT_LIMIT", 1)     # a selection too large for points
    at = open_app("views/map.py")
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    circles = next(layer for layer in spec["layers"] if layer["id"] == CLUSTER_LAYER_ID)["data"]
    assert sorted(c["district"] for c in circles) == ["烟台市", "青岛市"]
    assert all(c["tooltip"].endswith(CLUSTER_HINTS["city"]) for c in circles)
    assert any("按城市汇总显示" in c.value and "「城市」" in c.value for c in at.caption)
