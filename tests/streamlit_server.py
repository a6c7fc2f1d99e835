"""One way for the browser tests to run the dashboard: `streamlit run` on a free loopback port until the block
ends, its output in folder/streamlit.log."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(folder: Path, env: dict, *, app: Path = ROOT / "dashboard.py", cwd: Path = ROOT,
                     port: int | None = None):
    """The app at `app` with `env` over this process's environment; yields url, port and log."""
    port = port or free_port()
    log_path = folder / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                    break
                except OSError:
                    if proc.poll() is not None:
                        pytest.fail(f"streamlit exited: {log_path.read_text()[-2000:]}")
                    time.sleep(0.5)
            yield SimpleNamespace(url=url, port=port, log=log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
