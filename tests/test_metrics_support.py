"""Tiny canonical ledgers built in code, shared by the metrics and figures tests (no tests here)."""
import pandas as pd

from loaders.schema import conform, node_status, NODE_KEYS


def ledger(rows: list[dict], report_date: str | None = None) -> pd.DataFrame:
    """A canonical frame from short dicts. Dates as ISO text; `node` sets node_reached (and status)."""
    recs = []
    for i, r in enumerate(rows):
        rec = {"community_id": f"C{i + 1:03d}", "name": f"小区{i + 1}", "street": "某街道", "batch_year": 2022,
               "households": 100, "planned_investment_wan": 100.0, "completed_investment_wan": 0.0,
               "elevators_planned": 0, "responsible": "张三"}
        rec.update({k: v for k, v in r.items() if k != "node"})
        node = r.get("node", 0)
        rec["node_reached"] = node
        rec["status"] = node_status(node)
        for k in NODE_KEYS:
            for prefix in ("plan_", "actual_"):
                col = prefix + k
                if col in rec:
                    rec[col] = pd.Timestamp(rec[col]) if rec[col] is not None else pd.NaT
        recs.append(rec)
    frame = conform(pd.DataFrame(recs))
    if report_date is not None:
        frame["report_date"] = pd.Timestamp(report_date)
    return frame
