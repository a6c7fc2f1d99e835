"""The canonical ledger: one row per community, the same columns whatever the district's file looked like.

Every reader returns this shape, the store keeps it, and every figure is computed from it.
Money is in 万元, area in m², dates are pandas Timestamps (NaT when empty), coordinates WGS-84.
"""
from __future__ import annotations

# Life-cycle nodes in order (DOMAIN.md). A community's node_reached is the 1-based position of the
# latest node with an actual date on or before the report date; 0 when none.
NODES: list[tuple[str, str]] = [
    ("survey", "摸底排查"),
    ("consultation", "意愿征求"),
    ("design", "方案设计"),
    ("approval", "立项"),
    ("tender", "招投标"),
    ("start", "开工"),
    ("completion", "完工"),
    ("acceptance", "验收"),
]
NODE_KEYS = [key for key, _ in NODES]
NODE_NAMES = [name for _, name in NODES]
NODE_NAME = dict(NODES)
STARTED_NODE = NODE_KEYS.index("start") + 1      # 6: "started" means 开工 or later
COMPLETED_NODE = NODE_KEYS.index("completion") + 1  # 7: "completed" means 完工 or later
NOT_STARTED_STATUS = "未启动"


def node_status(node_reached: int) -> str:
    """The status word shown for a node position: the node's name, or 未启动 for 0."""
    return NODE_NAMES[node_reached - 1] if node_reached > 0 else NOT_STARTED_STATUS


def plan_column(node_key: str) -> str:
    return f"plan_{node_key}"


def actual_column(node_key: str) -> str:
    return f"actual_{node_key}"


PLAN_COLUMNS = [plan_column(k) for k in NODE_KEYS]
ACTUAL_COLUMNS = [actual_column(k) for k in NODE_KEYS]

# Funding sources (资金来源), each the amount arranged in 万元 where the ledger has it.
FUND_SOURCES: list[tuple[str, str]] = [
    ("fund_central_wan", "中央补助资金"),
    ("fund_provincial_wan", "省级补助资金"),
    ("fund_local_wan", "市区财政资金"),
    ("fund_social_wan", "社会资本及专营单位"),
    ("fund_resident_wan", "居民出资"),
]

# column -> pandas dtype of the canonical frame
COLUMNS: dict[str, str] = {
    "community_id": "string",
    "name": "string",
    "district": "string",
    "street": "string",
    "batch_year": "Int64",
    "built_year": "Int64",
    "buildings": "Int64",
    "households": "Int64",
    "floor_area_m2": "float64",
    "renovation_class": "string",
    "items": "string",
    "elevators_planned": "Int64",
    "bundle": "string",
    "planned_investment_wan": "float64",
    "completed_investment_wan": "float64",
    **{col: "float64" for col, _ in FUND_SOURCES},
    "responsible": "string",
    "status_text": "string",
    **{col: "datetime64[ns]" for pair in zip(PLAN_COLUMNS, ACTUAL_COLUMNS) for col in pair},
    "node_reached": "int64",
    "status": "string",
    "lon": "float64",
    "lat": "float64",
    "source_sheet": "string",
    "source_row": "Int64",
}

# Chinese labels for the canonical columns, used by tables and exports.
LABELS: dict[str, str] = {
    "community_id": "小区编号",
    "name": "小区名称",
    "district": "所属区市",
    "street": "街道",
    "batch_year": "改造年度",
    "built_year": "建成年代",
    "buildings": "楼栋数",
    "households": "户数",
    "floor_area_m2": "建筑面积（平方米）",
    "renovation_class": "改造类型",
    "items": "改造内容",
    "elevators_planned": "计划加装电梯（部）",
    "bundle": "打包项目",
    "planned_investment_wan": "计划投资（万元）",
    "completed_investment_wan": "累计完成投资（万元）",
    **dict(FUND_SOURCES),
    "responsible": "责任人",
    "status_text": "填报进度",
    **{plan_column(k): f"计划{n}时间" for k, n in NODES},
    **{actual_column(k): f"实际{n}时间" for k, n in NODES},
    "node_reached": "节点序号",
    "status": "当前节点",
    "lon": "经度",
    "lat": "纬度",
    "source_sheet": "工作表",
    "source_row": "行号",
}


def empty_ledger():
    """A canonical frame with no rows, every column typed."""
    import pandas as pd

    return pd.DataFrame({col: pd.Series(dtype=dtype) for col, dtype in COLUMNS.items()})


def as_datetime(values):
    """A date column as datetime64: the store's frames hold it so already and get it back as it is (pandas'
    to_datetime walks every value of such a column again, 6 ms per 40,000 rows, for each of a page's many date
    columns); text or objects are parsed, what cannot be read becomes NaT."""
    import pandas as pd

    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    return pd.to_datetime(values, errors="coerce")


def conform(frame):
    """Return `frame` with exactly the canonical columns, in order and typed; missing ones are empty."""
    import pandas as pd

    out = pd.DataFrame(index=frame.index)
    for col, dtype in COLUMNS.items():
        if col in frame.columns:
            out[col] = frame[col].astype(dtype)
        elif col == "node_reached":
            out[col] = 0
        else:
            out[col] = pd.Series(index=frame.index, dtype=dtype)
    return out
