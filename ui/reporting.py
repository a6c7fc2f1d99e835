"""Cached 报送 figures for the overview and the 报送 page (keyed by the store version and the week)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from loaders import audit, config
from metrics import reporting
from ui import data


def deadline() -> reporting.Deadline:
    s = config.settings().get("reporting", {})
    return reporting.parse_deadline(s.get("deadline_weekday", 5), s.get("deadline_time", "12:00"),
                                    s.get("timezone", "Asia/Shanghai"))


@st.cache_data(show_spinner=False, max_entries=16)
def senders(version: str) -> dict[int, str]:
    """Snapshot id -> login of who sent it, from the accepted imports in the audit log (an import bumps the
    version, so the key is right)."""
    out: dict[int, str] = {}
    for e in audit.entries(data.store()):
        if e.action in ("import", "replace") and e.outcome == "accepted":
            for sid in e.detail.get("snapshot_ids", []):
                out[int(sid)] = e.user
    return out


def _expected(cities: tuple[str, ...]) -> list[str]:
    """The districts that must report: those of the cities in view (Filters.cities), every configured one
    when none is named."""
    return [d for c in cities for d in config.city_district_names(c)] if cities else config.district_names()


@st.cache_data(show_spinner=False, max_entries=32)
def weekly(version: str, as_of: str, cities: tuple[str, ...] = ()) -> pd.DataFrame:
    return reporting.weekly_status(data.all_snapshots(version), _expected(cities), date.fromisoformat(as_of),
                                   deadline(), senders=senders(version))


@st.cache_data(show_spinner=False, max_entries=16)
def history(version: str, as_of: str, weeks: int, cities: tuple[str, ...] = ()) -> pd.DataFrame:
    return reporting.history(data.all_snapshots(version), _expected(cities), date.fromisoformat(as_of), weeks, deadline())


@st.cache_data(show_spinner=False, max_entries=32)
def data_notes(version: str, as_of: str, years: tuple[int, ...], districts: tuple[str, ...] = ()) -> dict[str, str]:
    """metrics.reporting.older_ledger_notes of the snapshots the pages' figures use (f.args): the districts
    shown with an older ledger, for their gauges, ranking rows and data lines."""
    selected = data.store().selected_snapshots(as_of, list(years), list(districts) or None)
    return reporting.older_ledger_notes(selected, date.fromisoformat(as_of))
