"""撤回 / 恢复 a snapshot on the 台账 page, for those who may (loaders.writes checks again and records it)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from loaders import writes
from loaders.store import StoreError
from metrics.numbers import fmt_int
from ui import auth, data

_DONE = "_snapshot_action_done"


def _label(r) -> str:
    return (f"#{int(r.snapshot_id)} {r.district} {int(r.batch_year)}年度 截至{pd.Timestamp(r.report_date).date()} "
            f"{fmt_int(r.rows)}个小区（{r.source_name}）")


def snapshot_actions() -> None:
    """A withdraw form (city: any snapshot; clerk: the clerk's districts) and a restore form (city)."""
    actor = auth.current_actor()
    may_withdraw, may_restore = auth.permitted("withdraw"), auth.permitted("restore")
    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    if not (may_withdraw or may_restore):
        return
    snaps = data.all_snapshots(data.version())
    st.markdown("#### 撤回或恢复快照")
    st.caption("撤回：该快照不再计入任何统计（仍保留在数据库中，可恢复）。恢复：让被替换或撤回的旧版本重新成为当前版本。"
               "每次操作都记入审计记录。")
    left, right = st.columns(2, gap="medium")
    if may_withdraw:
        active = snaps[[bool(a) and actor.covers(str(d)) for a, d in zip(snaps["active"], snaps["district"])]]
        with left.form("withdraw_form", border=True):
            options = {_label(r): int(r.snapshot_id) for r in active.iloc[::-1].itertuples()}
            choice = st.selectbox("撤回快照", list(options), index=None, placeholder="选择要撤回的快照",
                                  key="withdraw_choice")
            why = st.text_input("撤回原因", key="withdraw_reason")
            if st.form_submit_button("撤回", icon=":material/undo:") and choice:
                _run(lambda: writes.withdraw_snapshot(data.store(), options[choice], auth.current_actor(), why),
                     "已撤回")
    if may_restore:
        inactive = snaps[~snaps["active"]]
        with right.form("restore_form", border=True):
            options = {_label(r): int(r.snapshot_id) for r in inactive.iloc[::-1].itertuples()}
            choice = st.selectbox("恢复快照", list(options), index=None, placeholder="选择要恢复的旧版本",
                                  key="restore_choice")
            if st.form_submit_button("恢复", icon=":material/restore:") and choice:
                _run(lambda: writes.restore_snapshot(data.store(), options[choice], auth.current_actor()), "已恢复")


def _run(action, verb: str) -> None:
    try:
        snap = action()
    except StoreError as exc:
        st.error(f"未完成：{exc}", icon=":material/block:")
        return
    data.clear_after_import()
    st.session_state[_DONE] = (f"{verb}快照#{snap.snapshot_id}：{snap.district} {snap.batch_year}年度 "
                               f"截至{snap.report_date.isoformat()}。")
    st.rerun()
