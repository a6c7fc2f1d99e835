"""The shared sidebar filters: batch year(s), report date (snapshot), city (at province level) and district(s).

They live in the entry file (dashboard.py), which runs around every page, so they persist across pages, and
they are kept in the page address so a link or bookmark reopens the same view (?batch=2022&date=2022-05-31&
district=市北区):
- district is a widget bound to the URL (bind="query-params"): its default, all districts, means the same
  thing in any week, so leaving it out of the address is right. The city filter (?city=烟台市, only with a
  province configured) is bound the same way.
- what a viewer may see bounds every option: a city user's filters hold its city's districts even when nothing
  is chosen, so every query of ui.data is narrowed to that city, not only its widgets.
- batch and date are written to the address explicitly (st.query_params) on every run. A bound widget drops
  its parameter when the value equals the default, and their defaults move with the data (the latest batch and
  the latest report date): a bookmark of "2022年度, 截至5月31日" must not silently become next week's view.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import streamlit as st

from loaders import config
from metrics.numbers import fmt_date_cn
from ui import auth, data

BATCH, DATE, CITY, DISTRICT = "batch", "date", "city", "district"
_CURRENT = "_dashboard_filters"
_TO_LATEST = "_dashboard_filters_to_latest"   # set after an import: show the newest report date
_OPEN_CITY = "_dashboard_filters_open_city"   # set by a click on a city's ranking row: choose that city


@dataclass(frozen=True)
class Filters:
    version: str
    years: tuple[int, ...]
    as_of: str                      # ISO date of the selected report date
    districts: tuple[str, ...]      # empty: the whole configured area (the viewer may see all of it)
    area: str                       # what the view covers, as the data line names it (全市, 全省, 市北区)
    cities: tuple[str, ...]         # the cities in view (the one city without a province): who must report
    region: str                     # their name for a title: the province or city, or the cities chosen
    by_city: bool                   # a province's view of several cities: figures group the districts by city

    @property
    def year(self) -> int:
        """The batch a single-batch view (trend, bulletin) shows: the latest selected."""
        return max(self.years)

    @property
    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of)

    def only(self, district: str) -> Filters:
        """The same view narrowed to one district (区市 page, 大屏's turn)."""
        return replace(self, districts=(district,), area=district, by_city=False)

    @property
    def args(self) -> tuple:
        """(version, as_of, years, districts): the key every cached query in ui.data takes."""
        return (self.version, self.as_of, self.years, self.districts)


def _url_values(key: str) -> list[str]:
    try:
        return st.query_params.get_all(key)
    except Exception:  # an unreadable address must never break the page
        return []


def _seed(key: str, value) -> None:
    """Set a widget's value before it is drawn (first run of a session, or when its options changed)."""
    st.session_state[key] = value


def sidebar_filters() -> Filters | None:
    """Draw the filters in the sidebar; None when the store holds no snapshot at all."""
    version = data.version()
    years = data.batch_years(version)
    if not years:
        return None

    # First run of a session: take batch and date from the address, when valid.
    default_year = data.current_batch(version) or years[-1]
    if BATCH not in st.session_state:
        wanted = [int(v) for v in _url_values(BATCH) if v.isdigit() and int(v) in years]
        _seed(BATCH, wanted or [default_year])
    elif not [y for y in st.session_state[BATCH] if y in years]:
        _seed(BATCH, [default_year])

    with st.sidebar:
        st.markdown("#### 筛选条件")
        chosen_years = st.multiselect("改造年度（批次）", years, key=BATCH, format_func=lambda y: f"{y}年度",
                                      placeholder="选择年度")
        if not chosen_years:
            st.caption(f"未选择年度，显示{default_year}年度。")
            chosen_years = [default_year]
        dates = data.report_dates(version, tuple(sorted(chosen_years)))
        if st.session_state.pop(_TO_LATEST, False):
            _seed(DATE, dates[-1])
        elif DATE not in st.session_state:
            url_date = _url_values(DATE)
            _seed(DATE, url_date[0] if url_date and url_date[0] in dates else dates[-1])
        elif st.session_state[DATE] not in dates:
            _seed(DATE, dates[-1])
        # Newest first: when the browser sends no value (seen on a page change in a slow CI run) the selectbox
        # falls back to its first option, which must be the latest week, not the programme's first.
        as_of = st.selectbox("截至日期（周报快照）", dates[::-1], key=DATE, format_func=_date_label(dates[-1]))
        cities, narrowed = _city_filter()
        names = _district_options(version, cities, narrowed)
        _keep_options(DISTRICT, names)   # a city changed: its districts only
        whole = "、".join(cities) if narrowed else _whole_area()
        districts = st.multiselect("区市", names, key=DISTRICT, bind="query-params",
                                   placeholder=f"{whole}（全部区市）")

    st.query_params[BATCH] = [str(y) for y in sorted(chosen_years)]
    st.query_params[DATE] = as_of
    chosen = tuple(d for d in names if d in districts)
    filters = Filters(version=version, years=tuple(sorted(chosen_years)), as_of=as_of,
                      districts=chosen or (tuple(names) if narrowed else ()),
                      area="、".join(chosen) or whole, by_city=not chosen and len(cities) > 1,
                      cities=tuple(cities), region="、".join(cities) if narrowed else config.area_name())
    st.session_state[_CURRENT] = filters
    return filters


def _date_label(latest: str):
    def label(iso: str) -> str:
        text = fmt_date_cn(iso)
        return f"{text}（最新）" if iso == latest else text
    return label


def _keep_options(key: str, options: list[str]) -> None:
    """Drop from a multiselect's value what is no longer among its options, before it is drawn."""
    value = st.session_state.get(key)
    if value and any(v not in options for v in value):
        _seed(key, [v for v in value if v in options])


def _whole_area() -> str:
    return "全省" if config.is_province() else "全市"


def _city_filter() -> tuple[list[str], bool]:
    """(the cities in view, narrowed): narrowed when the viewer chose cities or may see only some of them. One
    city configured: that city, not narrowed, and no widget. A city user sees no choice, only its city."""
    allowed = auth.visible_cities()
    if not config.is_province():
        return allowed, False
    if not allowed:
        st.warning("此账号未指定可查看的城市，请联系省级管理员。", icon=":material/lock:")
        st.stop()
    if len(allowed) == 1:
        st.caption(f"城市：{allowed[0]}")
        return allowed, len(allowed) < len(config.city_names())
    opened = st.session_state.pop(_OPEN_CITY, None)
    if opened in allowed:
        _seed(CITY, [opened])
    else:
        _keep_options(CITY, allowed)
    chosen = st.multiselect("城市", allowed, key=CITY, bind="query-params", placeholder="全省（全部城市）")
    picked = [c for c in allowed if c in chosen]
    return (picked or allowed), bool(picked) or len(allowed) < len(config.city_names())


def _district_options(version: str, cities: list[str], narrowed: bool) -> list[str]:
    """Districts of the cities in view in the official order, then (over the whole area) any other name found
    in the store."""
    official = [d for c in cities for d in config.city_district_names(c)]
    if narrowed:
        return official
    stored = data.snapshots(version)["district"].dropna().unique().tolist()
    return official + sorted(d for d in stored if d not in official)


def open_city(city: str) -> None:
    """The next run shows `city` (its districts) in the city filter."""
    st.session_state[_OPEN_CITY] = city


def show_latest_next_run() -> None:
    """After an import: the next run selects the newest report date (the import may have added one)."""
    st.session_state[_TO_LATEST] = True


def current() -> Filters:
    """The filters of this run, set by the entry file before the page runs."""
    return st.session_state[_CURRENT]
