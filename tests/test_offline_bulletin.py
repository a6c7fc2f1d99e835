"""Offline: generating a bulletin with its chart images (kaleido's Chromium) makes no DNS lookup and no
connection outside loopback, traced with strace over every process and thread."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin.render import chromium_path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from bulletin.build import generate
from loaders.store import LedgerStore
from test_bulletin_fixtures import D31, fill_store
files = generate(fill_store(LedgerStore({db!r})), D31, images=True)
assert files.pngs and all(png.startswith(b"\\x89PNG") for png in files.pngs.values()), "no chart images"
print("pngs", len(files.pngs))
"""
LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|inet_pton\(AF_INET6, "::ffff:127\.')
# Chromium's IPv6 reachability check: a UDP connect() that asks the kernel for a route and sends nothing
# (bulletin/render.py). Any other address outside loopback fails the test.
IPV6_PROBE = 'inet_pton(AF_INET6, "2001:4860:4860::8888"'

pytestmark = [pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed (apt install strace)"),
              pytest.mark.skipif(chromium_path() is None, reason="no Chromium")]


def network_calls(tmp_path: Path) -> list[str]:
    script = tmp_path / "bulletin.py"
    script.write_text(SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests"), db=str(tmp_path / "store.sqlite")))
    log = tmp_path / "strace.log"
    proc = subprocess.run(["strace", "-f", "-qq", "-s", "200", "-e", "trace=connect,sendto,sendmsg", "-o", str(log),
                           sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "pngs" in proc.stdout, proc.stderr[-2000:]
    return log.read_text().splitlines()


def test_bulletin_images_make_no_dns_lookup_and_no_outside_connection(tmp_path):
    calls = network_calls(tmp_path)
    inet = [c for c in calls if "AF_INET" in c]
    assert inet, "strace saw no network call at all: the trace is not working"
    dns = [c for c in calls if "htons(53)" in c or "nscd/socket" in c or "systemd/resolve" in c]
    assert dns == [], dns[:5]
    outside = [c for c in inet if not LOOPBACK.search(c) and IPV6_PROBE not in c]
    assert outside == [], outside[:5]
    probes_sending = [c for c in calls if IPV6_PROBE in c and not c.split("(", 1)[0].endswith("connect")]
    assert probes_sending == [], probes_sending
