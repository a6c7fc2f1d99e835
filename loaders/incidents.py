"""Incidents: an unexpected failure recorded with its traceback under a short id that the user is shown.

The user reads one Chinese sentence with the id ("错误编号 E20261202-143501-7f3a"); the administrator finds the
same id in the incident log (settings [log] dir, default var/log/incidents.log; LEDGER_LOG_DIR overrides) and
in the logging system (logger "incidents", level ERROR), each with the full traceback. Recording never raises:
a log folder that cannot be written must not hide the failure being reported.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import traceback
from datetime import datetime
from pathlib import Path

log = logging.getLogger("incidents")

LOG_FILE_NAME = "incidents.log"
_lock = threading.Lock()   # one incident's lines stay together when threads record at once


def log_dir() -> Path:
    """Where the incident log is written: LEDGER_LOG_DIR, else settings [log] dir."""
    from loaders import config

    return config.log_dir()


def new_id() -> str:
    """E + date and time (findable by when it happened) + 4 random hex digits (unique within the second)."""
    return f"E{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def record(exc: BaseException, context: str) -> str:
    """Log `exc` with its traceback under a new incident id; return the id to show the user."""
    incident = new_id()
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("incident %s: %s", incident, context, exc_info=exc)
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().astimezone().isoformat(timespec="seconds")
        with _lock, open(folder / LOG_FILE_NAME, "a", encoding="utf-8") as fh:
            fh.write(f"=== {incident} {stamp} pid={os.getpid()} {context}\n{detail}\n")
    except Exception as write_error:  # noqa: BLE001 - the logging system above still holds the traceback
        log.error("incident %s could not be written to the incident log: %s", incident, write_error)
    return incident


def reference(incident: str) -> str:
    """The words every message uses to give the id: （错误编号 E…）."""
    return f"（错误编号 {incident}）"
