"""Cached access to the snapshot store.

- The store handle is an `st.cache_resource`: one LedgerStore per store path (LEDGER_DB or settings).
- So is the as-of state, as an Arrow table (immutable, so nothing a caller does can change it): every query of
  it converts its own pandas frame. As an `st.cache_data` value the 280,000 rows of a national programme were
  pickled once (0.17–0.9 s) and unpickled for each of the five queries a cold overview makes (0.08–0.12 s each);
  the conversion takes 0.01–0.04 s.
- Every other query is an `st.cache_data` function keyed by the store's version() and the filter values (small
  tuples and ISO dates), never by a DataFrame argument: hashing a 220,000-row frame on every rerun would cost
  more than the query. After an import the version changes, so old entries are never read again, and
  `clear_after_import()` drops them to free memory.
- Concurrent sessions share that work: st.cache_data holds a lock per key while one session computes a value
  and the others wait for it (streamlit.runtime.caching.cache_utils, compute_value_lock). What each session
  still does alone is build and serialise its figures, under one GIL: the overview's gauges, trend and map are
  therefore cached too, as plotly specs and a deck that serialises itself once (bench/bench_load.py).
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from loaders import config
from loaders.sample import open_default_store
from loaders.store import LedgerStore, start_pending_checks

Years = tuple[int, ...]
Names = tuple[str, ...]


@st.cache_resource(show_spinner="正在打开台账数据库…")
def _open_store(path: str) -> LedgerStore:
    # `path` is only the cache key (tests point LEDGER_DB elsewhere). open_default_store resolves the same path
    # and seeds the demo store from sample_data on first use (a configured store is never seeded). A large file
    # is checked for damage in the background: the first visitor after a start does not wait for it.
    return open_default_store(check_in_background=True)


def store() -> LedgerStore:
    """The store handle of this deployment (cached across reruns and sessions)."""
    return _open_store(str(config.store_target()))


def check_store_after_page() -> None:
    """Begin the background damage check of a large store opened for this page, now that the page is drawn
    (loaders.store._PENDING_CHECKS)."""
    start_pending_checks()


def version() -> str:
    return store().version()


def clear_after_import() -> None:
    """Drop every cached query result and finished bulletin file: called after an import or a restore."""
    from ui import bulletin_files   # imported here: python-docx and openpyxl only load for the 通报 page

    st.cache_data.clear()
    _ledger_table.clear()
    bulletin_files.clear()


def _districts_arg(districts: Names) -> list[str] | None:
    return list(districts) if districts else None


def week_before(as_of: str) -> str:
    """The as-of date of "last week": 7 days before the selected date."""
    return (date.fromisoformat(as_of) - timedelta(days=7)).isoformat()


def year_before(as_of: str) -> str:
    return (pd.Timestamp(as_of) - pd.DateOffset(years=1)).date().isoformat()


# ---------------------------------------------------------------------------------------------- store reads
@st.cache_data(show_spinner=False, max_entries=16)
def all_snapshots(version: str) -> pd.DataFrame:
    """Every snapshot, the replaced and withdrawn ones too (报送, the 台账 page's versions)."""
    return store().snapshots(include_inactive=True)


@st.cache_data(show_spinner=False, max_entries=16)
def snapshots(version: str) -> pd.DataFrame:
    """The active snapshot history (台账 page, filters): one query of the store serves both."""
    every = all_snapshots(version)
    return every[every["active"]].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=16)
def batch_years(version: str) -> list[int]:
    """Batch years that have at least one active snapshot, ascending."""
    years = snapshots(version)["batch_year"].dropna().astype(int).unique().tolist()
    return sorted(years)


@st.cache_data(show_spinner=False, max_entries=16)
def current_batch(version: str) -> int | None:
    """The batch the weekly meeting follows by default: the latest batch year reported on the latest date
    (a 2022–2024 plan imports 2023 and 2024 batches long before they report progress)."""
    active = snapshots(version)
    if active.empty:
        return None
    latest = active[active["report_date"] == active["report_date"].max()]
    return int(latest["batch_year"].max())


@st.cache_data(show_spinner=False, max_entries=64)
def report_dates(version: str, years: Years) -> list[str]:
    """ISO report dates of the selected batch years, ascending."""
    return [d.isoformat() for d in store().report_dates(batch_years=list(years) or None)]


@st.cache_resource(show_spinner=False, max_entries=32)
def _ledger_table(version: str, as_of: str, years: Years, districts: Names) -> pa.Table:
    frame = store().ledger_as_of(as_of=as_of, batch_years=list(years), districts=_districts_arg(districts))
    # the table may share the frame's memory: nothing else holds the frame
    return pa.Table.from_pandas(frame, preserve_index=False)


def ledger(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """The as-of state: each (district, batch)'s latest snapshot on or before `as_of`, a frame of the caller's
    own (store.ledger_as_of's dtypes, restored from the table's pandas metadata)."""
    return _ledger_table(version, as_of, years, tuple(districts)).to_pandas()


@st.cache_data(show_spinner=False, max_entries=32)
def totals(version: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """store.totals_by_date for the years and their previous batches (year-on-year curves)."""
    wanted = sorted({y for y in years} | {y - 1 for y in years})
    return store().totals_by_date(batch_years=wanted, districts=_districts_arg(districts))


@st.cache_data(show_spinner=False, max_entries=64)
def community_history(version: str, community_id: str) -> pd.DataFrame:
    return store().community_history(community_id)


@st.cache_data(show_spinner=False)
def boundaries():
    """District polygons (WGS-84 GeoDataFrame) from the configured boundary file."""
    from loaders.geodata import load_boundaries

    return load_boundaries()


@st.cache_data(show_spinner=False)
def boundaries_geojson() -> dict:
    from loaders.geodata import boundaries_geojson as to_geojson

    return to_geojson(boundaries())


@st.cache_data(show_spinner=False)
def city_outlines() -> dict:
    """A province's city outlines (loaders.geodata.city_boundaries) as GeoJSON."""
    from loaders.geodata import boundaries_geojson as to_geojson, city_boundaries

    return to_geojson(city_boundaries(boundaries(), config.district_cities(config.hierarchy())))


# ------------------------------------------------------------------------------------- metrics of the as-of state
def progress(version: str, as_of: str, years: Years, districts: Names = (), by_city: bool = False) -> pd.DataFrame:
    """metrics.progress.district_progress of the as-of state (one row per district, official order); by_city
    (a province's view, ui.filters.Filters.by_city): city_progress, one row per city."""
    # st.cache_data keys on the arguments as passed: progress(…) and progress(…, False) would be two entries
    return _progress(version, as_of, years, districts, by_city)


@st.cache_data(show_spinner=False, max_entries=32)
def _progress(version: str, as_of: str, years: Years, districts: Names, by_city: bool) -> pd.DataFrame:
    from metrics.progress import city_progress, district_progress

    frame = ledger(version, as_of, years, districts)
    if by_city:
        return city_progress(frame, as_of, config.district_cities(config.hierarchy()))
    return district_progress(frame, as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def ranks(version: str, as_of: str, years: Years, districts: Names, by_city: bool) -> pd.DataFrame:
    """The district (by_city: city) ranks of the as-of state from the sums kept with its snapshots, no community
    row read (metrics.progress.district_progress_of_sums): last week's ranks beside this week's cost no second
    ledger. progress() on a read-only store made before those sums."""
    from metrics.progress import district_progress_of_sums

    picked = store().snapshot_totals(as_of, list(years), _districts_arg(districts))
    if picked is None:
        return progress(version, as_of, years, districts, by_city)
    return district_progress_of_sums(picked, config.district_cities(config.hierarchy()) if by_city else None)


@st.cache_data(show_spinner=False, max_entries=32)
def city_total(version: str, as_of: str, years: Years, districts: Names = ()) -> dict:
    from metrics.progress import city_total as total

    return total(ledger(version, as_of, years, districts), as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def headline(version: str, as_of: str, years: Years, districts: Names = ()):
    """metrics.headline.headline: now, against the as-of state 7 days earlier and the previous batch a year
    earlier."""
    from metrics.headline import headline as compute

    return compute(_sums(version, as_of, years, districts), _sums(version, week_before(as_of), years, districts),
                   _sums(version, year_before(as_of), tuple(y - 1 for y in years), districts))


@st.cache_data(show_spinner=False, max_entries=64)
def _sums(version: str, as_of: str, years: Years, districts: Names = ()) -> dict | pd.DataFrame:
    """What a headline needs of an as-of state: the sums kept with its snapshots (no community row read), or
    its rows on a read-only store made before them."""
    from metrics.summary import totals_of_snapshots

    picked = store().snapshot_totals(as_of, list(years), _districts_arg(districts))
    return ledger(version, as_of, years, districts) if picked is None else totals_of_snapshots(picked)


@st.cache_data(show_spinner=False, max_entries=32)
def alerts(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """metrics.alerts.node_alerts: overdue (红) and due-soon (黄) nodes, most overdue first."""
    from metrics.alerts import node_alerts

    return node_alerts(ledger(version, as_of, years, districts), as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def alerts_view(version: str, as_of: str, years: Years, districts: Names = (), limit: int = 200) -> dict:
    """The first `limit` alerts (most overdue first) and the counts of each level: a page lists the worst ones,
    the full list is the bulletin's and the exports' business (at national scale it has 100,000+ rows)."""
    from metrics.progress import RED, YELLOW

    full = alerts(version, as_of, years, districts)
    levels = full["level"] if len(full) else pd.Series(dtype="string")
    return {"rows": full.head(limit).reset_index(drop=True), "red": int((levels == RED).sum()),
            "yellow": int((levels == YELLOW).sum()), "limit": limit, "due_soon_days": due_soon_days()}


@st.cache_data(show_spinner=False, max_entries=32)
def trend(version: str, as_of: str, batch_year: int, districts: Names = ()) -> pd.DataFrame:
    """metrics.trends.investment_trend of one batch up to the report date, with its previous batch a year
    earlier and the plan."""
    from metrics.trends import investment_trend

    return investment_trend(totals(version, (batch_year,), districts), batch_year, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def district_series(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """metrics.trends.district_investment_series of the selected batches together (a programme: their sum)."""
    from metrics.trends import district_investment_series

    return district_investment_series(totals(version, years, districts), list(years), as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def funding(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    from metrics.trends import funding_by_source

    return funding_by_source(ledger(version, as_of, years, districts))


# ---------------------------------------------------------------------------------------------- cached figures
def _gauges(version: str, as_of: str, years: Years, districts: Names, theme: str, *, by_city: bool = False,
            notes: dict[str, str] | None = None, **grid) -> go.Figure:
    """The start-rate gauges; `grid`: district_gauges' layout arguments, `notes` the districts shown with an
    older ledger (ui.reporting.data_notes); by_city: one gauge per city."""
    from figures.gauges import district_gauges

    return district_gauges(progress(version, as_of, years, districts, by_city), theme=theme, notes=notes, **grid)


def _timeline(version: str, as_of: str, years: Years, districts: Names, theme: str) -> go.Figure:
    from figures.timeline import node_timeline

    return node_timeline(ledger(version, as_of, years, districts), as_of, theme=theme, title=None)


def _trend(version: str, as_of: str, years: Years, districts: Names, theme: str) -> go.Figure:
    """One batch's investment curve against last year's and the plan."""
    from figures.trends import investment_trend_figure

    (year,) = years
    return investment_trend_figure(trend(version, as_of, year, districts), year, theme=theme, title=None)


def _figure_kinds() -> dict:
    """kind -> a builder (version, as_of, years, districts, theme, **options) -> the untitled figure."""
    from figures.funnel import funnel_district_figure, funnel_figure, funnel_history_figure
    from figures.ranking import investment_bar
    from figures.trends import funding_figure, programme_trend_figure, weekly_investment_figure

    def of_query(build, query):
        """A figure drawn from one query of the filters."""
        return lambda version, as_of, years, districts, theme, **options: build(
            query(version, as_of, years, districts), theme=theme, title=None, **options)

    return {"funnel": of_query(funnel_figure, funnel), "funnel_history": of_query(funnel_history_figure, funnel_history),
            "funnel_by_district": of_query(funnel_district_figure, funnel_by_district),
            "investment_by_district": of_query(investment_bar, progress),
            "weekly_investment": of_query(weekly_investment_figure, district_series),
            "funding": of_query(funding_figure, funding), "programme_trend": of_query(programme_trend_figure, batch_trend),
            "gauges": _gauges, "timeline": _timeline, "trend": _trend}


@st.cache_data(show_spinner=False, max_entries=64)
def _figure_spec(kind: str, version: str, as_of: str, years: Years, districts: Names, theme: str,
                options: tuple) -> dict:
    # The spec was built and validated by figures/ before it is cached: go.Figure(spec, _validate=False) in figure()
    return _figure_kinds()[kind](version, as_of, years, districts, theme, **dict(options)).to_plotly_json()


def figure(kind: str, version: str, as_of: str, years: Years, districts: Names = (), theme: str = "light",
          **options) -> go.Figure:
    """The untitled figure `kind` (_figure_kinds) of the filters, cached as its spec: building a plotly figure
    costs more than the rest of a page's rerun, and every session opening the page would pay for it."""
    spec = _figure_spec(kind, version, as_of, years, districts, theme, tuple(sorted(options.items())))
    return go.Figure(spec, _validate=False)


# ------------------------------------------------------------------------------------------------------ map
def _unique_text(series: pd.Series) -> list[str]:
    values = pd.Series(series.dropna().unique()).astype(str)
    return sorted(values[values.str.strip() != ""])


@st.cache_data(show_spinner=False, max_entries=32)
def districts_in_state(version: str, as_of: str, years: Years, districts: Names = ()) -> list[str]:
    """The districts the as-of state has a ledger of, in official order (configured districts first), read from
    the snapshots chosen: no community row."""
    picked = store().selected_snapshots(as_of, list(years), _districts_arg(districts))
    return list(dict.fromkeys(picked["district"].astype(str)))


@st.cache_data(show_spinner=False, max_entries=32)
def map_options(version: str, as_of: str, years: Years, districts: Names = ()) -> dict[str, list[str]]:
    """Choices of the map's own filters, from the as-of state: districts, renovation classes, bundles."""
    frame = ledger(version, as_of, years, districts)
    return {"districts": districts_in_state(version, as_of, years, districts),
            "classes": _unique_text(frame["renovation_class"]), "bundles": _unique_text(frame["bundle"])}


def map_communities(version: str, as_of: str, years: Years, districts: Names = (), groups: Names = (),
                    map_districts: Names = (), classes: Names = (), bundles: Names = ()) -> pd.DataFrame:
    """The communities the map shows: the as-of state narrowed by status group, district, renovation class and
    bundle (an empty choice means all). Not cached itself: its callers keep only what they make of it, and a
    second cached copy of the as-of state (280,000 rows, nothing chosen) cost more to pickle than to select."""
    from metrics.status import status_group

    frame = ledger(version, as_of, years, districts)
    if not (groups or map_districts or classes or bundles):
        return frame
    keep = pd.Series(True, index=frame.index)
    if groups:
        keep &= status_group(frame["node_reached"]).astype(str).isin(groups)
    if map_districts:
        keep &= frame["district"].isin(map_districts)
    if classes:
        keep &= frame["renovation_class"].isin(classes)
    if bundles:
        keep &= frame["bundle"].isin(bundles)
    return frame[keep.fillna(False).to_numpy()].reset_index(drop=True)


# A deck ships its points to the browser as JSON (about 200 bytes a point): beyond this many the page gets slow
# to send and to draw. A larger selection is drawn as one circle per district (figures.map.district_clusters)
# until the map's own district filter narrows it (the zoomed-in view), and a district still larger than this is
# thinned evenly (every k-th community); the page says which.
MAP_POINT_LIMIT = 20_000


def _clustered(located: int, map_districts: Names) -> bool:
    return located > MAP_POINT_LIMIT and not map_districts


def _thinned(frame: pd.DataFrame, limit: int = MAP_POINT_LIMIT) -> pd.DataFrame:
    if len(frame) <= limit:
        return frame
    step = -(-len(frame) // limit)
    return frame.iloc[::step]


@st.cache_data(show_spinner=False, max_entries=32)
def map_counts(version: str, as_of: str, years: Years, districts: Names = (), groups: Names = (),
               map_districts: Names = (), classes: Names = (), bundles: Names = ()) -> dict:
    """How many communities the map's filters select, how many have coordinates, how many are drawn (0 when
    they are drawn as district circles: clustered)."""
    frame = map_communities(version, as_of, years, districts, groups, map_districts, classes, bundles)
    located = frame[frame["lon"].notna() & frame["lat"].notna()]
    clustered = _clustered(len(located), map_districts)
    return {"selected": len(frame), "located": len(located), "drawn": 0 if clustered else len(_thinned(located)),
            "clustered": clustered}


@st.cache_data(show_spinner=False, max_entries=16)
def map_deck(version: str, as_of: str, years: Years, districts: Names = (), groups: Names = (),
             map_districts: Names = (), classes: Names = (), bundles: Names = (), choropleth: bool = False,
             theme: str = "light", view_px: tuple[int, int] = (1200, 720), by_city: bool = False):
    """figures.map.community_deck of the filtered communities over the district boundaries (cached: building
    the point records is the slow part of a map page); by_city (a province's view of several cities): the
    cities' outlines, names and start rates, and one circle per city when zoomed out."""
    from figures.map import community_deck, district_clusters

    frame = map_communities(version, as_of, years, districts, groups, map_districts, classes, bundles)
    frame = frame[frame["lon"].notna() & frame["lat"].notna()]
    clusters = None
    if _clustered(len(frame), map_districts):
        cities = config.district_cities(config.hierarchy())
        clusters = district_clusters(frame.assign(district=frame["district"].map(cities)) if by_city else frame)
    frame = frame.iloc[:0] if clusters is not None else _thinned(frame)
    rates = progress(version, as_of, years, districts, by_city) if choropleth else None
    deck = community_deck(frame, boundaries_geojson(), choropleth=rates, tile_url=config.tile_url(), theme=theme,
                          view_px=view_px, clusters=clusters, city_outlines=city_outlines() if by_city else None)
    deck.to_json()   # serialised once, here: the cached copy every session gets carries its JSON
    return deck


@st.cache_data(show_spinner=False, max_entries=64)
def community(version: str, as_of: str, years: Years, districts: Names, community_id: str) -> pd.DataFrame:
    """The as-of row(s) of one community (empty when it is not in the filtered state)."""
    frame = ledger(version, as_of, years, districts)
    return frame[frame["community_id"] == community_id].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=32)
def search(version: str, as_of: str, years: Years, districts: Names, text: str) -> pd.DataFrame:
    """The as-of state narrowed to rows where any column the ledger table shows contains `text`
    (case-insensitive; dates as YYYY-MM-DD): 已开工 finds 填报进度, 加装电梯 finds 改造内容. All rows when `text` is
    blank."""
    frame = ledger(version, as_of, years, districts)
    text = text.strip()
    if not text:
        return frame
    hit = pd.Series(False, index=range(len(frame)))
    for _, column in _shown_text(version, as_of, years, districts).items():
        hit |= column.str.contains(text, case=False, regex=False).fillna(False).to_numpy()
    return frame[hit.to_numpy()].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=32)
def search_page(version: str, as_of: str, years: Years, districts: Names, text: str, limit: int) -> tuple[int, pd.DataFrame]:
    """How many rows search() finds and the first `limit` of them: what the ledger page draws. A rerun then
    unpickles `limit` rows from the cache instead of the whole as-of state (280,000 rows took seconds)."""
    rows = search(version, as_of, years, districts, text)
    return len(rows), rows.head(limit)


@st.cache_data(show_spinner=False, max_entries=8)
def _shown_text(version: str, as_of: str, years: Years, districts: Names) -> pd.DataFrame:
    """Every column of the ledger table (exports.ledger_table) as the text a reader sees, row for row with the
    as-of state: built once per state, searched on every keystroke."""
    from exports.tables import ledger_table

    table = ledger_table(ledger(version, as_of, years, districts)).reset_index(drop=True)
    out = {}
    for col in table.columns:
        values = table[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.dt.strftime("%Y-%m-%d").astype("string")
        else:
            out[col] = values.astype("string")
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- the weekly meeting (issue 12)
@st.cache_data(show_spinner=False, max_entries=32)
def batch_trend(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """metrics.trends.batch_trends: each selected batch's cumulative investment at every report date."""
    from metrics.trends import batch_trends

    return batch_trends(store().totals_by_date(batch_years=list(years), districts=_districts_arg(districts)),
                        years, as_of=as_of)


def due_soon_days() -> int:
    """config/warnings.toml [nodes] due_soon_days: the 黄 window of node warnings, as node_alerts applies it."""
    return int(config.warning_rules()["nodes"]["due_soon_days"])


@st.cache_data(show_spinner=False, max_entries=32)
def funnel(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """metrics.funnel.stage_funnel of the as-of state."""
    from metrics.funnel import stage_funnel

    return stage_funnel(ledger(version, as_of, years, districts))


@st.cache_data(show_spinner=False, max_entries=32)
def funnel_by_district(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    from metrics.funnel import funnel_by_district as by_district

    return by_district(ledger(version, as_of, years, districts))


@st.cache_data(show_spinner=False, max_entries=32)
def funnel_history(version: str, as_of: str, years: Years, districts: Names = ()) -> pd.DataFrame:
    """metrics.funnel.funnel_history of the as-of ledger at every report date up to as_of."""
    from metrics.funnel import funnel_history as history

    dates = [d for d in report_dates(version, years) if d <= as_of]
    return history(ledger(version, as_of, years, districts), dates)


@st.cache_data(show_spinner=False, max_entries=32)
def programme(version: str, as_of: str, years: Years, districts: Names = ()) -> dict:
    """metrics.programme of the as-of state: by batch year (with 合计) and by district and year."""
    from metrics.programme import programme_by_district, programme_by_year

    frame = ledger(version, as_of, years, districts)
    return {"years": programme_by_year(frame, as_of), "districts": programme_by_district(frame, as_of)}


@st.cache_data(show_spinner=False, max_entries=32)
def week_changes(version: str, as_of: str, years: Years, districts: Names, before: str) -> dict:
    """metrics.changes between the as-of state at `before` and at `as_of`: started and completed in between,
    newly overdue nodes, every district before and now (district_movers)."""
    from metrics import changes
    from metrics.alerts import node_alerts
    from metrics.progress import district_progress

    # the state at `before` is only this comparison's: its figures are made here from one read of it, where
    # progress() and alerts() would each unpickle it again and keep a copy of what they make
    now_frame, before_frame = ledger(version, as_of, years, districts), ledger(version, before, years, districts)
    movers = changes.district_movers(progress(version, as_of, years, districts),
                                     district_progress(before_frame, before))
    return {"started": changes.started_this_week(now_frame, before_frame),
            "completed": changes.completed_this_week(now_frame, before_frame),
            "overdue": changes.newly_overdue(alerts(version, as_of, years, districts), node_alerts(before_frame, before)),
            "movers": movers, "lights": changes.light_changes(movers)}


def comparison_date(version: str, as_of: str, years: Years) -> str:
    """The report date a week before `as_of` (the latest on or before as_of − 7 days), else the first date."""
    dates = report_dates(version, years)
    earlier = [d for d in dates if d <= week_before(as_of)]
    return earlier[-1] if earlier else dates[0]


@st.cache_data(show_spinner=False, max_entries=8)
def map_image(version: str, as_of: str, years: Years, districts: Names = (), groups: Names = (),
              map_districts: Names = (), classes: Names = (), bundles: Names = (), theme: str = "light"):
    """figures.map_image.map_image_figure of what the map shows (same filters as map_deck), for saving."""
    from figures.map import _features
    from figures.map_image import map_image_figure
    from metrics.numbers import fmt_date_cn

    frame = _thinned(map_communities(version, as_of, years, districts, groups, map_districts, classes, bundles))
    shown = set(frame["district"].dropna()) if map_districts else None
    features = [f for f in _features(boundaries_geojson(), "name", 0.0008)
                if shown is None or f["properties"]["name"] in shown]
    area = "、".join(map_districts or districts) or "全市"
    return map_image_figure(frame, {"type": "FeatureCollection", "features": features}, theme=theme,
                            title=f"{area}老旧小区改造状态（截至{fmt_date_cn(as_of)}）")
