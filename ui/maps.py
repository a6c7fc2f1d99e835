"""The community map block shared by the 总览 and 地图 pages: the deck, its Chinese legend, the selection."""
from __future__ import annotations

import html

import streamlit as st

from figures.map import COMMUNITY_LAYER_ID, choropleth_legend
from figures.text import from_deck_text
from metrics.status import status_legend
from ui import data
from ui.filters import Filters


def legend_html(choropleth: bool = False, vertical: bool = False) -> str:
    """The map legend in Chinese: one coloured dot per status group (and the start-rate ramp)."""
    display = "flex" if vertical else "inline-flex"
    items = "".join(
        f'<span style="display:{display};align-items:center;margin-right:14px;white-space:nowrap">'
        f'<span style="width:12px;height:12px;border-radius:50%;background:{g["color"]};'
        f'border:1px solid rgba(0,0,0,.25);margin-right:5px"></span>{html.escape(g["name"])}</span>'
        for g in status_legend())
    text = f'<div style="font-size:0.95rem;line-height:1.9">小区状态：{items}</div>'
    if choropleth:
        ramp = "".join(f'<span style="display:inline-block;width:34px;height:12px;background:{s["color"]}"></span>'
                       for s in choropleth_legend())
        stops = choropleth_legend()
        text += (f'<div style="font-size:0.95rem;line-height:1.9">区市开工率：{html.escape(stops[0]["label"])} '
                 f'{ramp} {html.escape(stops[-1]["label"])}</div>')
    return text


def show_map(filters: Filters, *, key: str, theme: str, groups=(), map_districts=(), classes=(), bundles=(),
             choropleth: bool = False, height: int = 620, width: int = 900, selectable: bool = False,
             legend: bool = True):
    """Draw the community map; returns the selected community id (or None). `width` is the narrowest the map's
    column is drawn at a 1600-pixel screen: the view is fitted into width × height, so nothing is cropped."""
    deck = data.map_deck(*filters.args, tuple(groups), tuple(map_districts), tuple(classes), tuple(bundles),
                         choropleth, theme, (width, height), filters.by_city)
    if selectable:
        event = st.pydeck_chart(deck, height=height, key=key, on_select="rerun", selection_mode="single-object")
    else:
        st.pydeck_chart(deck, height=height, key=key)
        event = None
    if legend:
        st.markdown(legend_html(choropleth), unsafe_allow_html=True)
    return selected_community(event)


def count_note(counts: dict, by_city: bool = False) -> str:
    """地图显示318个小区… : what the map draws of what the filters select (by_city: a province's view, its circles
    one per city)."""
    unit = "城市" if by_city else "区市"
    if counts.get("clustered"):
        note = f"符合条件{counts['located']:,}个小区，数量较多，按{unit}汇总显示（圆点越大小区越多，颜色为开工率）"
    else:
        note = f"地图显示{counts['drawn']:,}个小区"
        if counts["drawn"] < counts["located"]:
            note += f"（符合条件{counts['located']:,}个，点数过多，按间隔抽取显示；请按区市、状态等筛选）"
    if counts["located"] < counts["selected"]:
        note += f"；另有{counts['selected'] - counts['located']:,}个小区台账未填坐标"
    if counts.get("clustered"):
        return note + ("。在侧栏「城市」中选择城市后显示其各区市。" if by_city else "。在上方「区市」中选择区市后显示各小区。")
    return note + "。点击小区查看详情。"


def selected_community(event) -> str | None:
    """The community id picked on the map (as written: figures.text.deck_data may have neutralised it)."""
    if not event:
        return None
    try:
        objects = event.selection.get("objects", {}).get(COMMUNITY_LAYER_ID) or []
    except AttributeError:
        return None
    if not objects:
        return None
    value = objects[0].get("community_id")
    return from_deck_text(value) if value else None
