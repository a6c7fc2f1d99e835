"""How a table cell is written in the document, by column kind; every format is a metrics.numbers function."""
from __future__ import annotations

from metrics import numbers

from . import model


def cell_text(value, kind: str) -> str:
    if numbers.is_missing(value):
        return numbers.MISSING
    if kind == model.INT:
        return numbers.fmt_int(value)
    if kind == model.PCT:
        return numbers.fmt_number(value, 1, thousands=False)
    if kind == model.WAN:
        return numbers.fmt_wan(value, unit=False)
    if kind == model.RANK_CHANGE:
        return numbers.fmt_rank_change(value)
    if kind == model.DATE:
        return numbers.fmt_date_cn(value)
    return str(value)


def display_frame(table: model.Table):
    """The table as the document prints it: every cell as text (for the page's preview)."""
    import pandas as pd

    return pd.DataFrame([[cell_text(v, c.kind) for v, c in zip(row, table.columns)] for row in table.rows],
                        columns=[c.label for c in table.columns])
