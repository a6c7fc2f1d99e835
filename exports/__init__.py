"""Downloads for people: the ledger table and any other table as Excel (formatted for print) and CSV.

Pure functions returning bytes; no streamlit. No export runs a formula a user typed (`=HYPERLINK(...)`,
`@SUM(...)`): Excel files hold text as string cells, CSV text goes through `neutralise_formulas` (exports.safety).
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
