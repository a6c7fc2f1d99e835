"""Integration: the sample ledgers (scripts/generate_sample_data.py) read without errors through the reader."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from loaders.reader import read_ledger

LEDGERS = Path(__file__).resolve().parents[1] / "sample_data" / "ledgers"
FOLDERS = sorted(p for p in LEDGERS.glob("*") if p.is_dir()) if LEDGERS.exists() else []


@pytest.mark.skipif(not FOLDERS, reason="sample data not generated")
@pytest.mark.parametrize("folder", [FOLDERS[0], FOLDERS[len(FOLDERS) // 2], FOLDERS[-1]] if FOLDERS else [],
                         ids=lambda p: p.name)
def test_sample_ledgers_read_cleanly(folder):
    day = date.fromisoformat(folder.name)
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in (".xlsx", ".xls", ".csv"))
    assert files
    for f in files:
        r = read_ledger(f, report_date=day)
        assert r.errors == [], (f.name, r.errors[:3])
        assert r.report_date == day
        assert len(r.frame) > 0
        assert r.frame["community_id"].notna().all() and r.frame["district"].notna().all()
        assert r.frame["batch_year"].notna().all()
