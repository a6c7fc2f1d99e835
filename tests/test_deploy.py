"""The server deployment of docs/deployment.md, for real: one PostgreSQL store (tests/pg_fixtures.py), two
`streamlit run dashboard.py` processes, and nginx in front with deploy/nginx/ledger-dashboard.conf (only its
ports rewritten). Two browsers (headless Chromium) are pinned by their route cookie to different processes; a
ledger uploaded in one shows in the other's open session on its next rerun, because every cached query is keyed
by the store's version read from the database.

Run: pytest -m browser tests/test_deploy.py   (needs postgresql, nginx and chromium from apt)
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from streamlit_server import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NGINX_CONF = ROOT / "deploy" / "nginx" / "ledger-dashboard.conf"
LEDGERS = ROOT / "sample_data" / "ledgers" / "2022-05-20"
SHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "out" / "screenshots"))  # out/ is git-ignored
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt install chromium fonts-noto-cjk)", allow_module_level=True)


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"{proc.args[0]} exited: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {seconds} s")


def nginx_config(folder: Path, port: int, backends: list[int]) -> Path:
    """deploy/nginx/ledger-dashboard.conf with the test's ports, inside a minimal main configuration that logs
    which backend served each request."""
    site = NGINX_CONF.read_text(encoding="utf-8")
    shipped = re.findall(r"^\s*server 127\.0\.0\.1:(\d+)", site, flags=re.M)
    assert shipped == ["8501", "8502"], shipped
    for old, new in zip(shipped, backends):
        site = site.replace(f"server 127.0.0.1:{old} ", f"server 127.0.0.1:{new} ")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (folder / "ledger-dashboard.conf").write_text(site, encoding="utf-8")
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(exist_ok=True)
    main = folder / "nginx.conf"
    main.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format route '$cookie_ledger_route|$upstream_addr|"$request" $status';
    access_log {folder}/access.log route;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/ledger-dashboard.conf;
}}
""", encoding="utf-8")
    return main


@pytest.fixture(scope="module")
def deployment(pg_server, tmp_path_factory):
    from loaders.reader import read_ledger
    from loaders.store_pg import PgLedgerStore

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is not installed: run scripts/install_test_deps.sh")
    folder = tmp_path_factory.mktemp("deploy")
    name = pg_server.create_database()
    url = pg_server.url(name)
    with PgLedgerStore(url) as store:
        store.import_result(read_ledger(LEDGERS / "崂山区.csv", source_name="崂山区.csv",
                                        report_date=date(2022, 5, 20)))
    ports = [free_port(), free_port()]
    procs, logs = [], []
    env = {**os.environ, "LEDGER_DB": url,
           # the same secret in every process: a session's XSRF cookie stays valid if it ever moves
           "STREAMLIT_SERVER_COOKIE_SECRET": "test-deployment-secret"}
    try:
        for port in ports:
            log = folder / f"streamlit-{port}.log"
            logs.append(log)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true"],
                cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT))
        front = free_port()
        conf = nginx_config(folder, front, ports)
        check = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(folder), "-e", "stderr"],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        logs.append(folder / "nginx.log")
        procs.append(subprocess.Popen([nginx, "-c", str(conf), "-p", str(folder), "-e", "stderr"],
                                      stdout=open(logs[-1], "w"), stderr=subprocess.STDOUT))
        for port, proc, log in zip(ports, procs, logs):
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        base = f"http://127.0.0.1:{front}"
        _wait_http(base + "/_stcore/health", procs[-1], logs[-1])
        yield SimpleNamespace(url=base, backends=[f"127.0.0.1:{p}" for p in ports], access=folder / "access.log",
                              pg_url=url, folder=folder)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        pg_server.drop_database(name)


def served_by(deployment) -> dict[str, str]:
    """route cookie -> backend, from nginx's access log."""
    seen = {}
    for line in deployment.access.read_text().splitlines():
        route, upstream, _ = line.split("|", 2)   # a failed-over request logs "a, b" as its upstream
        seen.setdefault(route, set()).add(upstream)
    return seen


def route_to_each_backend(deployment) -> dict[str, str]:
    """A route cookie value that nginx sends to each backend (the hash is fixed, the values are tried)."""
    found: dict[str, str] = {}
    for k in range(200):
        route = f"r{k}"
        req = urllib.request.Request(deployment.url + "/_stcore/health", headers={"Cookie": f"ledger_route={route}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert f"ledger_route={route};" in " ".join(resp.headers.get_all("Set-Cookie") or [])
        # nginx may log a request just after its response has left: wait for this route's own line
        deadline = time.time() + 10
        while not (upstreams := served_by(deployment).get(route)) and time.time() < deadline:
            time.sleep(0.05)
        assert upstreams and len(upstreams) == 1, upstreams
        found.setdefault(upstreams.pop(), route)
        if len(found) == len(deployment.backends):
            return found
    pytest.fail(f"no route cookie reached every backend: {found}")


def test_first_visit_gets_a_route_cookie_and_stays(deployment):
    with urllib.request.urlopen(deployment.url + "/", timeout=30) as resp:
        assert resp.status == 200
        cookie = re.search(r"ledger_route=([0-9a-f]+);", " ".join(resp.headers.get_all("Set-Cookie"))).group(1)
    for _ in range(3):
        req = urllib.request.Request(deployment.url + "/_stcore/health", headers={"Cookie": f"ledger_route={cookie}"})
        urllib.request.urlopen(req, timeout=10).read()
    assert len(served_by(deployment)[cookie]) == 1


def test_an_upload_in_one_process_shows_in_the_other_on_its_next_rerun(deployment):
    from auth_support import browser_login
    from test_browser import Monitor, assert_page_is_clean, go, settle

    routes = route_to_each_backend(deployment)
    a, b = deployment.backends
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            pages = {}
            for backend in (a, b):
                context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
                context.add_cookies([{"name": "ledger_route", "value": routes[backend],
                                      "domain": "127.0.0.1", "path": "/"}])
                page = context.new_page()
                pages[backend] = (page, Monitor(page))
                page.goto(deployment.url, timeout=60_000)
                settle(page)
            watcher, _ = pages[b]
            main = watcher.locator('[data-testid="stMain"]')
            main.get_by_text("数据截至2022年5月20日 · 1个区市台账", exact=False).wait_for(timeout=60_000)

            uploader, monitor = pages[a]
            browser_login(uploader, deployment.pg_url)      # uploading needs a city or district account
            go(uploader, "台账")
            uploader.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
                files=[{"name": "莱西市.csv", "mimeType": "text/csv", "buffer": (LEDGERS / "莱西市.csv").read_bytes()}])
            uploader.get_by_role("button", name="确认导入").wait_for(timeout=90_000)
            uploader.get_by_role("button", name="确认导入").click()
            uploader.get_by_text("已导入「莱西市.csv」", exact=False).wait_for(timeout=90_000)
            settle(uploader)
            assert_page_is_clean(uploader, monitor, "upload through nginx")

            # the other process's open session: its next rerun (a page change) reads the new version
            go(watcher, "区市")
            go(watcher, "总览")
            main.get_by_text("数据截至2022年5月20日 · 2个区市台账", exact=False).wait_for(timeout=30_000)
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            watcher.screenshot(path=str(SHOT_DIR / "deploy_other_process_after_upload.png"))
            assert_page_is_clean(watcher, pages[b][1], "rerun in the other process")
        finally:
            browser.close()
    seen = served_by(deployment)
    log = deployment.access.read_text()[-3000:]
    assert seen[routes[a]] == {a} and seen[routes[b]] == {b}, log     # each browser stayed with its process
    uploads = [line for line in deployment.access.read_text().splitlines() if "/_stcore/upload_file/" in line]
    assert uploads and all(line.split("|")[1] == a for line in uploads)
    from loaders.store_pg import PgLedgerStore

    with PgLedgerStore(deployment.pg_url) as store:
        assert sorted(store.snapshots()["district"].unique()) == ["崂山区", "莱西市"]
