"""The options a served dashboard reads from the project's .streamlit/config.toml, as `streamlit run` started in
the project folder resolves them. Two of them decide how 30 sessions opening the overview at once are served
(bench/bench_load.py, README): Streamlit's forced full garbage collection after every script run stops every
other session, and its source watcher resolves every imported module's path after each run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OPTIONS = ["runner.postScriptGC", "server.fileWatcherType", "server.runOnSave", "server.address"]


def served_options(tmp_path) -> dict:
    code = ("import json; from streamlit import config; config.get_config_options(force_reparse=True); "
            f"print(json.dumps({{k: config.get_option(k) for k in {OPTIONS!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})   # no user-level config.toml
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_served_dashboard_neither_collects_garbage_after_each_run_nor_watches_its_source(tmp_path):
    assert served_options(tmp_path) == {"runner.postScriptGC": False, "server.fileWatcherType": "none",
                                        "server.runOnSave": False, "server.address": "127.0.0.1"}
