"""Status groups for the map and its legend, the 红/黄/绿 light colours, and each community's next node.

Colours are defined here once (pure data, no plotting import) so the map, the charts, the legend and the
bulletin's Excel cells agree. The status colours follow the Okabe–Ito palette, which stays distinguishable
with the common colour-vision deficiencies, and each has enough contrast on white and on a dark (#0e1117)
background; the map also outlines points so they read on both.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from loaders.schema import NODE_KEYS, NODE_NAMES, as_datetime, plan_column


@dataclass(frozen=True)
class StatusGroup:
    name: str
    nodes: tuple[int, ...]       # node_reached values in the group
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


STATUS_GROUPS: tuple[StatusGroup, ...] = (
    StatusGroup("未启动", (0,), (136, 136, 136)),              # neutral grey
    StatusGroup("前期工作", (1, 2, 3, 4, 5), (230, 159, 0)),   # Okabe–Ito orange
    StatusGroup("施工中", (6,), (0, 114, 178)),                # Okabe–Ito blue
    StatusGroup("已完工", (7,), (0, 158, 115)),                # Okabe–Ito bluish green
    StatusGroup("已验收", (8,), (204, 121, 167)),              # Okabe–Ito reddish purple
)
STATUS_GROUP_NAMES = [g.name for g in STATUS_GROUPS]
STATUS_COLORS: dict[str, tuple[int, int, int]] = {g.name: g.rgb for g in STATUS_GROUPS}
_GROUP_OF_NODE = {n: g.name for g in STATUS_GROUPS for n in g.nodes}

# The 红/黄/绿 light colours (district schedule light, node alerts), used by charts, tables and Excel.
# Darker than pure red/yellow/green so white text on them stays legible and yellow shows on white paper.
LIGHT_COLORS: dict[str, str] = {"红": "#d62728", "黄": "#e6a700", "绿": "#2ca02c"}
LIGHT_TEXT_COLORS: dict[str, str] = {"红": "#ffffff", "黄": "#000000", "绿": "#ffffff"}


def group_of(node_reached: int) -> str:
    """The status group of one node position (0–8); positions out of range count as 未启动."""
    return _GROUP_OF_NODE.get(int(node_reached), STATUS_GROUPS[0].name)


def status_group(node_reached) -> pd.Series:
    """The status group per community, an ordered categorical in STATUS_GROUP_NAMES order."""
    series = pd.Series(node_reached)
    nodes = pd.to_numeric(series, errors="coerce").fillna(0).astype(int)
    groups = nodes.map(lambda n: _GROUP_OF_NODE.get(n, STATUS_GROUPS[0].name))
    return pd.Series(pd.Categorical(groups, categories=STATUS_GROUP_NAMES, ordered=True), index=series.index,
                     name="status_group")


def status_color(group: str, alpha: int | None = None) -> list[int]:
    """[r, g, b] (or [r, g, b, a]) of a status group, for pydeck."""
    rgb = list(STATUS_COLORS.get(group, STATUS_GROUPS[0].rgb))
    return rgb + [alpha] if alpha is not None else rgb


def status_legend() -> list[dict]:
    """The legend entries in order: name, hex colour, rgb, node positions."""
    return [{"name": g.name, "color": g.hex, "rgb": list(g.rgb), "nodes": list(g.nodes)} for g in STATUS_GROUPS]


def next_due_node(frame: pd.DataFrame) -> pd.DataFrame:
    """The node after each community's node_reached with its planned date, aligned to `frame`'s index:
    next_node (Chinese name; <NA> once 验收 is reached) and next_node_planned (NaT when not planned)."""
    nodes = pd.to_numeric(frame["node_reached"], errors="coerce").fillna(0).astype(int)
    next_name = pd.Series(pd.NA, index=frame.index, dtype="string")
    planned = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for position, (key, name) in enumerate(zip(NODE_KEYS, NODE_NAMES), start=1):
        mask = nodes == position - 1
        if not mask.any():
            continue
        next_name[mask] = name
        col = plan_column(key)
        if col in frame.columns:
            planned[mask] = as_datetime(frame.loc[mask, col])
    return pd.DataFrame({"next_node": next_name, "next_node_planned": planned}, index=frame.index)
