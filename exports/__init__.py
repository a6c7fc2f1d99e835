"""Downloads for people: the ledger table and any other table as Excel (formatted for print) and CSV.

Pure functions returning bytes; no streamlit. Every export goes through `neutralise_formulas`, so a cell a user
typed as `=HYPERLINK(...)` or `@SUM(...)` is shown as text by Excel, WPS and LibreOffice, never run.
"""
from exports.safety import neutralise_formulas, neutralise_text
from exports.tables import LEDGER_COLUMNS, ledger_table, table_labels
from exports.writers import csv_bytes, excel_bytes, ledger_csv, ledger_excel

__all__ = [
    "LEDGER_COLUMNS",
    "csv_bytes",
    "excel_bytes",
    "ledger_csv",
    "ledger_excel",
    "ledger_table",
    "neutralise_formulas",
    "neutralise_text",
    "table_labels",
]
