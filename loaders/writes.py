"""Every write to the ledger history, given the acting user: authorized here, recorded in the audit log.

The dashboard and the command line call these functions, never the store's write methods directly, so the rule
holds whatever a page shows or hides. A refusal raises (a StoreError subclass, Chinese), writes nothing to the
ledger and is itself recorded in the audit log.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from loaders import audit
from loaders.accounts import Actor, NotAuthorized, authorize
from loaders.report import LedgerResult, place
from loaders.store import ImportOutcome, LedgerStore, StoreError, StoredSnapshot

_ROW_LIST_LIMIT = 10   # rows named per sheet in a refusal; the rest are counted


def _file_fields(result: LedgerResult | None, file_name: str | None, file_sha256: str | None) -> dict:
    report_date = getattr(result, "report_date", None)
    return {"file_name": file_name or (result.source_name if result is not None else "") or "",
            "file_sha256": file_sha256 or "",
            "report_date": pd.Timestamp(report_date).date() if report_date is not None else None,
            "rows": len(result.frame) if result is not None else None}


def _result_districts(result: LedgerResult) -> list[str]:
    return [str(d) for d in result.frame["district"].dropna().unique()]


def foreign_rows(result: LedgerResult, actor: Actor) -> str | None:
    """For a district clerk: a sentence naming every district of the file outside the clerk's own and its rows
    (sheet and Excel row), or None when all rows are the clerk's."""
    frame = result.frame
    if actor.role != "district" or frame.empty:
        return None
    outside = frame[frame["district"].notna() & ~frame["district"].isin(list(actor.districts))]
    if outside.empty:
        return None
    parts = []
    for district, rows in outside.groupby("district", sort=False):
        where = []
        for sheet, sheet_rows in rows.groupby("source_sheet", sort=False, dropna=False):
            numbers = [str(int(n)) for n in sheet_rows["source_row"].dropna().tolist()]
            shown = "、".join(numbers[:_ROW_LIST_LIMIT]) + (f"等{len(numbers)}行" if len(numbers) > _ROW_LIST_LIMIT
                                                             else "行")
            where.append(f"{place(sheet) if isinstance(sheet, str) else ''}第{shown}")
        parts.append(f"{district}{len(rows)}个小区（{'；'.join(where)}）")
    return (f"账号 {actor.label} 只能报送{'、'.join(actor.districts)}的台账，文件中有其他区市的小区："
            f"{'，'.join(parts)}。文件未导入，数据库未作任何改动；请删去这些行，或由该区市或市级管理员报送。")


def _authorize_ledger(store, actor: Actor | None, action: str, result: LedgerResult) -> Actor:
    actor = authorize(store, actor, action)
    problem = foreign_rows(result, actor)
    if problem:
        raise NotAuthorized(problem)
    return actor


def check_ledger(store: LedgerStore, result: LedgerResult, actor: Actor | None, *, file_name: str | None = None,
                 file_sha256: str | None = None) -> str | None:
    """Record a check of a file read for upload. Returns the refusal sentence when `actor` may not send this
    file (then it must not be imported), else None."""
    fields = _file_fields(result, file_name, file_sha256)
    try:
        _authorize_ledger(store, actor, "check", result)
    except NotAuthorized as exc:
        audit.record(store, actor, "check", "refused", reason=str(exc), districts=_result_districts(result),
                     **fields)
        return str(exc)
    outcome = "accepted" if result.ok else "refused"
    reason = "" if result.ok else f"{len(result.errors)}个错误"
    audit.record(store, actor, "check", outcome, reason=reason, districts=_result_districts(result),
                 detail={"errors": len(result.errors), "warnings": len(result.warnings)}, **fields)
    return None


def import_ledger(store: LedgerStore, result: LedgerResult, actor: Actor | None, *, replace: bool = False,
                  file_name: str | None = None, file_sha256: str | None = None) -> ImportOutcome:
    """store.import_result for `actor`. A clerk may send only ledgers whose every row is of the clerk's
    districts. Raises NotAuthorized or the store's refusals; nothing is stored then."""
    fields = _file_fields(result, file_name, file_sha256)
    districts = _result_districts(result)

    def record_accepted(con, outcome: ImportOutcome) -> None:   # in the import's own transaction: both or neither
        audit.append(con, actor, "replace" if outcome.replaced else "import", districts=districts, detail={
            "import_id": outcome.import_id, "snapshot_ids": [s.snapshot_id for s in outcome.snapshots],
            "replaced_snapshot_ids": outcome.replaced, "content_sha256": outcome.sha256}, **fields)

    try:
        _authorize_ledger(store, actor, "replace" if replace else "import", result)
        return store.import_result(result, replace=replace, on_write=record_accepted)
    except StoreError as exc:
        audit.record(store, actor, "replace" if replace else "import", "refused", reason=str(exc),
                     districts=districts, **fields)
        raise


def _snapshot(store: LedgerStore, snapshot_id: int) -> pd.Series:
    snaps = store.snapshots(include_inactive=True)
    match = snaps[snaps["snapshot_id"] == snapshot_id]
    if match.empty:
        raise StoreError(f"没有编号为{snapshot_id}的快照")
    return match.iloc[0]


def _snapshot_fields(snap: pd.Series) -> dict:
    return {"file_name": str(snap["source_name"]), "report_date": snap["report_date"], "rows": int(snap["rows"]),
            "districts": [str(snap["district"])]}


def restore_snapshot(store: LedgerStore, snapshot_id: int, actor: Actor | None) -> StoredSnapshot:
    """store.restore for `actor` (city administrators and the operator)."""
    fields: dict = {"detail": {"snapshot_id": snapshot_id}}
    try:
        snap = _snapshot(store, snapshot_id)
        fields.update(_snapshot_fields(snap))
        authorize(store, actor, "restore", [str(snap["district"])])
        return store.restore(snapshot_id, on_write=lambda con, restored: audit.append(
            con, actor, "restore", **{**fields, "detail": {
                "snapshot_id": snapshot_id, "displaced_snapshot_id": restored.replaced_snapshot_id}}))
    except StoreError as exc:
        audit.record(store, actor, "restore", "refused", reason=str(exc), **fields)
        raise


def withdraw_snapshot(store: LedgerStore, snapshot_id: int, actor: Actor | None, reason: str = "") -> StoredSnapshot:
    """Take an active snapshot out of every figure (it stays in the file, inactive, and can be restored).
    A clerk may withdraw only snapshots of the clerk's districts."""
    fields: dict = {"detail": {"snapshot_id": snapshot_id, "why": reason}}
    try:
        snap = _snapshot(store, snapshot_id)
        fields.update(_snapshot_fields(snap))
        if not bool(snap["active"]):
            raise StoreError(f"快照#{snapshot_id}（{snap['district']} 截至{snap['report_date']}）不是当前版本，无需撤回")
        authorize(store, actor, "withdraw", [str(snap["district"])])
        with store.transaction(write=True, data_changed=True) as con:
            changed = con.execute("UPDATE snapshots SET active = false WHERE id = ? AND active",
                                  (snapshot_id,)).rowcount
            if changed != 1:   # withdrawn or replaced meanwhile by another session
                raise StoreError(f"快照#{snapshot_id}已不是当前版本，未撤回")
            audit.append(con, actor, "withdraw", **fields)
    except StoreError as exc:
        audit.record(store, actor, "withdraw", "refused", reason=str(exc), **fields)
        raise
    report_date = snap["report_date"]
    return StoredSnapshot(snapshot_id, str(snap["district"]), int(snap["batch_year"]),
                          report_date if isinstance(report_date, date) else date.fromisoformat(str(report_date)),
                          int(snap["rows"]))
