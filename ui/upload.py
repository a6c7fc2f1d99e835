"""Upload → validation report → import on confirmation (台账 page).

The file is read by loaders.reader.read_ledger exactly as the CLI reads it; nothing touches the store until the
user confirms, and store.import_result is all-or-nothing, so a rejected file changes nothing. The reading is
kept in the session (keyed by the file and the optional date/batch given) so reruns do not read it again.

The widget accepts any file up to a transport limit well above the product's own ([upload] max_file_mb): the
reader then refuses what it cannot take with its Chinese sentence (size, format), instead of the widget's English
"File must be 20.0MB or smaller" (the widget counts decimal megabytes, the reader MiB, so a 19.5 MiB file the
reader accepts was refused) or "files are not allowed" for an .xlsm the reader reads.
Every message here holds a file name or ledger text and goes to a markdown element: figures.text.markdown_text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import streamlit as st

from loaders import writes
from loaders.audit import file_sha256
from figures.text import markdown_text
from loaders import config
from loaders.report import LedgerResult
from metrics.numbers import fmt_date_cn, fmt_int
from ui import auth, data
from ui.filters import show_latest_next_run

_CHECK = "_upload_check"
_DONE = "_upload_done"
_UPLOADER = "_upload_generation"


@dataclass
class UploadCheck:
    name: str
    result: LedgerResult | None = None
    unreadable: str | None = None                    # the reader's Chinese sentence when it cannot read at all
    duplicates: list[tuple] = field(default_factory=list)   # (district, batch_year, report_date) already stored
    sha256: str = ""                                 # of the file's bytes (audit log)
    refusal: str | None = None                       # why this user may not send this file (another district)

    @property
    def importable(self) -> bool:
        return self.result is not None and self.result.ok and self.result.report_date is not None and \
            len(self.result.frame) > 0 and self.refusal is None


def form_key(name: str) -> str:
    """A key of the upload form (the file, its 截至日期 and 改造年度); new ones after an import start the next
    upload empty, so a date typed for one file is never applied to the next."""
    return f"{name}_{st.session_state.get(_UPLOADER, 0)}"


def product_limit_mb() -> float:
    """The reader's size limit ([upload] max_file_mb, in MiB as the reader counts)."""
    return float(config.upload_limits().get("max_file_mb", 20))


def file_input(label: str, key: str):
    """The ledger file input: any type and up to server.maxUploadSize (the transport limit), in Chinese.
    Streamlit (1.67) writes the button, the size note and a refused file's message ("File must be 64.0MB or
    smaller", shown on the file chip's hover tooltip) in English with no option to change them, so the words are
    swapped with CSS; the note gives the product's limit, not the transport's. A file the widget refuses never
    reaches the server, so its Chinese message can only be drawn here."""
    limit = f"{product_limit_mb():g}"
    refused = (f"无法上传：文件超过{st.get_option('server.maxUploadSize'):g}MB的传输上限，或上传中断。"
               f"台账文件不超过{limit}MB，每次上传一个文件。")
    st.html(f"""<style>
      [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none; }}
      [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
        content: "选择文件"; }}
      [data-testid="stFileUploaderDropzoneInstructions"] span {{ display: none; }}
      [data-testid="stFileUploaderDropzoneInstructions"] > div::after {{
        content: "拖入文件或点击选择 · 单个文件不超过{limit}MB · XLSX、XLSM、XLS、CSV"; font-size: 0.875rem; opacity: 0.7; }}
      [data-testid="stFileChips"]:has([data-testid="stFileChip"][aria-invalid="true"])::after {{
        content: "{refused}"; display: block; color: var(--st-red-color, #d93025); font-size: 0.875rem; }}
      [data-testid="stTooltipErrorContent"] {{ font-size: 0; }}
      [data-testid="stTooltipErrorContent"]::after {{ content: "{refused}"; font-size: 0.875rem; }}
    </style>""")
    return st.file_uploader(label, type=None, key=key)


def check(uploaded, report_date: date | None, batch_year: int | None) -> UploadCheck:
    """Read the uploaded file through the reader (once per file and options)."""
    from loaders.reader import read_ledger
    from loaders.report import UnreadableLedger

    actor = auth.current_actor()
    key = (uploaded.file_id, uploaded.name, report_date, batch_year, actor)   # who may send it depends on who asks
    cached = st.session_state.get(_CHECK)
    if cached and cached[0] == key:
        return cached[1]
    content = uploaded.getvalue()
    outcome = UploadCheck(name=uploaded.name, sha256=file_sha256(content))
    try:
        with st.spinner("正在检查台账…"):
            outcome.result = read_ledger(content, source_name=uploaded.name, report_date=report_date,
                                         batch_year=int(batch_year) if batch_year else None)
    except UnreadableLedger as exc:
        outcome.unreadable = str(exc)
    if outcome.result is not None:
        outcome.duplicates = _duplicates(outcome.result)
        outcome.refusal = writes.check_ledger(data.store(), outcome.result, actor,
                                              file_name=uploaded.name, file_sha256=outcome.sha256)
    st.session_state[_CHECK] = (key, outcome)
    return outcome


def _duplicates(result: LedgerResult) -> list[tuple]:
    """The (district, batch_year, date) snapshots of `result` that the store already holds (active)."""
    if result.report_date is None or len(result.frame) == 0:
        return []
    stored = data.snapshots(data.version())
    when = pd.Timestamp(result.report_date).date()
    have = {(str(r.district), int(r.batch_year)) for r in stored.itertuples()
            if pd.Timestamp(r.report_date).date() == when}
    keys = result.frame[["district", "batch_year"]].dropna().drop_duplicates()
    return [(str(d), int(b), when) for d, b in keys.itertuples(index=False) if (str(d), int(b)) in have]


def summary(check: UploadCheck) -> str:
    """One line about what the file holds (markdown-safe)."""
    r = check.result
    districts = r.frame["district"].dropna().nunique()
    when = fmt_date_cn(r.report_date) if r.report_date else "未注明截至日期"
    return markdown_text(f"「{check.name}」：{fmt_int(len(r.frame))}个小区，{fmt_int(districts)}个区市，{when}；"
                         f"错误{len(r.errors)}个，提示{len(r.warnings)}个。")


def unreadable_message(check: UploadCheck) -> str:
    """无法读取「file」：the reader's sentence (markdown-safe: both may quote the file)."""
    return markdown_text(f"无法读取「{check.name}」：{check.unreadable}")


def duplicates_message(check: UploadCheck) -> str:
    """The snapshots of the same date the store already holds (markdown-safe)."""
    listed = "、".join(f"{d}{b}年度{w.isoformat()}" for d, b, w in check.duplicates)
    return markdown_text(f"数据库中已有同一日期的快照：{listed}。")


def confirm_import(check: UploadCheck, replace: bool) -> str:
    """Store the checked result (all or nothing) as the acting user; returns the Chinese confirmation
    (markdown-safe). Raises StoreError."""
    outcome = writes.import_ledger(data.store(), check.result, auth.current_actor(), replace=replace,
                                   file_name=check.name, file_sha256=check.sha256)
    data.clear_after_import()
    show_latest_next_run()
    lines = "；".join(s.describe() for s in outcome.snapshots)
    message = markdown_text(f"已导入「{check.name}」：{fmt_int(outcome.rows)}行，{len(outcome.snapshots)}个快照（{lines}）。")
    st.session_state[_DONE] = message
    st.session_state.pop(_CHECK, None)
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1
    return message


def last_import_message() -> str | None:
    """The confirmation of the import just done (shown once)."""
    return st.session_state.pop(_DONE, None)
