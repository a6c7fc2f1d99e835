"""Linked drill-down (issue 12): a click on a gauge opens that district's page, a click on a community row in
any table shows the community's details and node timeline. AppTest cannot click: a table's selection is set
through its widget state (st.dataframe's selection may be written), as the browser would send it."""
from __future__ import annotations

import json

from test_pages import AS_OF, assert_clean, db, figures, fresh_caches, markdown, open_app, sample_ledger  # noqa: F401


def select_row(at, key: str, row: int):
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    return at


def test_probe(db, sample_ledger):
    at = open_app("views/changes.py")
    print([ (d.proto.id, d.value.shape) for d in at.dataframe])
    select_row(at, "changes_started", 0)
    print(markdown(at)[-5:])
