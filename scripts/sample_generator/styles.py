"""Step 4: the file style of each district, fixed across weeks (title rows, merged two-row headers, header
synonyms, units, date spellings, subtotal rows, district aliases, coordinate systems, GBK / UTF-8-BOM CSV), so
that the sample history exercises the reader."""
from __future__ import annotations

from dataclasses import dataclass, field

from sample_generator.story import NODE_CN, NODE_KEYS


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
