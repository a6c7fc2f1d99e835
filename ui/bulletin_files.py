"""The bulletin's downloadable files (Word, Excel, chart images), built in a background worker so that the 通报
page shows its preview at once: the chart images alone take 3–5 s (kaleido starts a Chromium), more than the
rest of the page together (bench/bench_pages.py, bench/bench_bulletin.py).

A job per key (store version, report date, batches, districts, issue number): a second session or a rerun
asking for the same key gets the same job, so one bulletin is rendered once. The jobs run in one small pool
(WORKERS threads, each render starting its own Chromium), and the last KEEP finished ones are kept, so a return
to the page is instant; an import changes the store version, so old keys are never asked for again and fall
out. Nothing here calls st.*: the worker threads have no script context. A failure is recorded here, in the
worker, with its traceback under an incident id; the page shows the id (ui.layout.show_incident).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from bulletin.build import BulletinFiles, render_files
from bulletin.model import BulletinContent
from bulletin.render import RenderError
from loaders import incidents

WORKERS = 2    # renders at once: each runs a Chromium, and the server has two cores for every session
KEEP = 8       # finished bulletins kept in memory (a few MB each, mostly the 2700 px chart images)

Key = tuple


@dataclass(frozen=True)
class Outcome:
    """A finished job: the files, or the incident id of its failure."""

    files: BulletinFiles | None = None
    warning: str | None = None      # Chinese: why the files have no charts (no Chromium on this server)
    incident: str | None = None     # set when the files could not be built at all


_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="bulletin-files")
_jobs: OrderedDict[Key, Future] = OrderedDict()
_lock = threading.Lock()


def start(key: Key, content: BulletinContent) -> None:
    """Build the files of `content` under `key` unless a job for that key exists (running or finished)."""
    with _lock:
        if key not in _jobs:
            _jobs[key] = _pool.submit(_build, content)
        _jobs.move_to_end(key)
        finished = [k for k, job in _jobs.items() if job.done()]
        for old in finished[:max(0, len(_jobs) - KEEP)]:   # oldest first; running jobs are never dropped
            del _jobs[old]


def outcome(key: Key) -> Outcome | None:
    """The finished job of `key`, or None while it runs (or when none was started)."""
    with _lock:
        job = _jobs.get(key)
    return job.result() if job is not None and job.done() else None


def discard(key: Key) -> None:
    """Forget a finished job (a failed one, before the user asks again)."""
    with _lock:
        job = _jobs.get(key)
        if job is not None and job.done():
            del _jobs[key]


def clear() -> None:
    """Forget every finished job (after an import or a restore, with the cached queries)."""
    with _lock:
        for key in [k for k, job in _jobs.items() if job.done()]:
            del _jobs[key]


def wait_all(timeout: float | None = None) -> bool:
    """Wait for every job started so far (tests and the page benchmark); False when some still run."""
    with _lock:
        jobs = list(_jobs.values())
    return not wait(jobs, timeout=timeout).not_done


def _build(content: BulletinContent) -> Outcome:
    # Runs in a pool thread: never raises (the page only ever sees an Outcome) and never calls st.*.
    try:
        try:
            return Outcome(files=render_files(content, images=True))
        except RenderError as exc:  # no Chromium on this server: the document without its charts
            return Outcome(files=render_files(content, images=False), warning=f"{exc} 本期通报暂不含图表。")
    except Exception as exc:  # noqa: BLE001 - the user sees the incident id, the log keeps the traceback
        return Outcome(incident=incidents.record(exc, f"bulletin files {content.file_stem}"))
