"""A tiny stored history for the bulletin tests, built in code (no reader, no sample files).

2022 batch, three districts, weekly snapshots 2022-05-17, 05-24, 05-31; the 2021 batch as of 2021-05-31.
As of 2022-05-31:
  市南区  4 planned, 4 started (全部开工), households 4×100
  市北区  5 planned, 3 started (1 completed); SB4 overdue on 立项 (planned 2022-05-01), SB5 招投标 due 2022-06-03
  崂山区  3 planned, 1 started; its latest ledger is 2022-05-17 (未按时报送)
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from loaders import schema
from loaders.report import LedgerResult
from loaders.store import LedgerStore

D17, D24, D31 = date(2022, 5, 17), date(2022, 5, 24), date(2022, 5, 31)


def community(cid, district, node, *, batch=2022, households=100, planned=1000.0, completed=0.0, plans=None,
              actuals=None):
    row = dict(community_id=cid, name=f"{district[:2]}{cid}小区", district=district, batch_year=batch,
               households=households, planned_investment_wan=planned, completed_investment_wan=completed,
               node_reached=node, status=schema.node_status(node))
    for key, when in (plans or {}).items():
        row[schema.plan_column(key)] = pd.Timestamp(when)
    for key, when in (actuals or {}).items():
        row[schema.actual_column(key)] = pd.Timestamp(when)
    return row


def ledger(report_date, rows, source="台账.xlsx"):
    return LedgerResult(frame=schema.conform(pd.DataFrame(rows)), report_date=report_date, source_name=source)


def shinan(report_date):
    started = 4 if report_date >= D31 else 3
    return [community(f"SN{i}", "市南区", 6 if i <= started else 5, completed=300.0 * (i <= started),
                      plans={"start": "2022-05-10"}, actuals={"start": "2022-05-09"} if i <= started else None)
            for i in range(1, 5)]


def shibei(report_date):
    rows = [
        community("SB1", "市北区", 7, completed=900.0, plans={"start": "2022-04-01", "completion": "2022-05-30"}),
        community("SB2", "市北区", 6, completed=500.0 if report_date >= D31 else 400.0,
                  plans={"start": "2022-04-15", "completion": "2022-08-30"}),
        community("SB3", "市北区", 6 if report_date >= D24 else 5, completed=100.0,
                  plans={"start": "2022-05-20", "completion": "2022-09-30"}),
        community("SB4", "市北区", 3, plans={"approval": "2022-05-01", "tender": "2022-05-10", "start": "2022-05-25"}),
        community("SB5", "市北区", 4, plans={"tender": "2022-06-03", "start": "2022-06-20"}),
    ]
    return rows


def laoshan(report_date):
    return [community("LS1", "崂山区", 6, completed=200.0, plans={"start": "2022-05-01"}),
            community("LS2", "崂山区", 5, plans={"start": "2022-05-15"}),
            community("LS3", "崂山区", 4, plans={"start": "2022-06-30", "tender": "2022-06-02"})]


def fill_store(store: LedgerStore) -> LedgerStore:
    store.import_result(ledger(date(2021, 5, 31), [
        community("SN9", "市南区", 7, batch=2021, completed=600.0),
        community("SB9", "市北区", 6, batch=2021, completed=400.0),
    ]))
    for d in (D17, D24, D31):
        rows = shinan(d) + shibei(d) + (laoshan(d) if d == D17 else [])
        store.import_result(ledger(d, rows))
    return store


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    """The tiny history, built once per test module: tests that only read it share it (one that imports into
    it uses `own_tiny_store`)."""
    return fill_store(LedgerStore(tmp_path_factory.mktemp("tiny") / "tiny.sqlite"))


@pytest.fixture
def own_tiny_store(tiny_store, tmp_path):
    """A private copy of the tiny history for a test that imports into it."""
    import shutil

    tiny_store.compact()   # one self-contained file to copy
    target = tmp_path / "tiny.sqlite"
    shutil.copyfile(tiny_store.path, target)
    return LedgerStore(target)
