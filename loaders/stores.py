"""Which store a target names: the one place that knows both engines (loaders.store and loaders.store_pg
import loaders.store_common; keeping the factory out of it keeps that a tree, not a circle)."""
from __future__ import annotations

from pathlib import Path

from loaders.config import is_server_url


def open_store(target: str | Path, *, check_in_background: bool = False):
    """The store at `target`: a PgLedgerStore for a postgresql:// (or postgres://) URL, else a LedgerStore on
    the SQLite file at that path (check_in_background: LedgerStore's, for the dashboard's handle)."""
    if is_server_url(target):
        from loaders.store_pg import PgLedgerStore   # psycopg is only needed by a server store

        return PgLedgerStore(target.strip())
    from loaders.store import LedgerStore

    return LedgerStore(target, check_in_background=check_in_background)
