"""The ledger reader: read_ledger(file) -> LedgerResult (loaders.reader.pipeline lists its steps)."""
from loaders.reader.pipeline import read_ledger
from loaders.reader.title import parse_report_date

__all__ = ["read_ledger", "parse_report_date"]
