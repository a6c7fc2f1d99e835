"""A throw-away PostgreSQL server for the tests (a pytest plugin, registered in tests/conftest.py).

`pg_server` (session): initdb into a fresh folder under the system temp dir, `pg_ctl start` on a free loopback
port with its unix socket in that folder, dropped with everything in it at the end. PostgreSQL refuses to run as
root, so as root the server runs as the `postgres` user of Debian's postgresql package
(scripts/install_test_deps.sh installs it). The application connects as the unprivileged role `ledger` with a
password over TCP, as a deployment does; the fixtures administer through the socket as the cluster's superuser.

`pg_url` (function): a new database owned by `ledger` for one test, dropped afterwards (WITH (FORCE)).
`pg_store`: a PgLedgerStore on it, closed afterwards.
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from streamlit_server import free_port

APP_USER = "ledger"
APP_PASSWORD = "ledger-test-pw"
ADMIN = "pgadmin"


def pg_bindir() -> Path | None:
    """The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/<N>/bin, else initdb on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(re.sub(r"\D", "", p.parent.parent.name) or 0))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PgServer:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=check, cwd=self.root)

    def init(self) -> None:
        """A new cluster, started, with the application's role."""
        pwfile = self.root / "pw"
        pwfile.write_text("admin-pw\n")
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, "--pwfile", str(pwfile), "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        self.start()
        from psycopg import sql

        with self.admin() as con:
            con.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(APP_USER),
                                                                         sql.Literal(APP_PASSWORD)))

    def start(self) -> None:
        # fsync off: a test cluster never needs to survive a power cut, and the machine is shared
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", opts, "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def admin(self, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(host=str(self.root), port=self.port, user=ADMIN, dbname=dbname, autocommit=True)

    def url(self, dbname: str, user: str = APP_USER, password: str = APP_PASSWORD) -> str:
        from urllib.parse import quote

        return f"postgresql://{quote(user)}:{quote(password)}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None, **options: str) -> str:
        name = name or f"t_{uuid.uuid4().hex[:10]}"
        extra = "".join(f" {k.upper()} {v}" for k, v in options.items())
        with self.admin() as con:
            con.execute(f"CREATE DATABASE {name} OWNER {APP_USER}{extra}")
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    bindir = pg_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: run scripts/install_test_deps.sh (Debian package postgresql)")
    server = PgServer(bindir)
    try:
        server.init()
        yield server
    finally:
        server.remove()


@pytest.fixture
def pg_url(pg_server):
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_store(pg_url):
    from loaders.store_pg import PgLedgerStore

    store = PgLedgerStore(pg_url)
    yield store
    store.close()


def stored_state(store) -> object:
    """Everything a store holds, to compare before and after an operation that must change nothing: the SQLite
    file's bytes, or every row of every table of the PostgreSQL schema (with its migration records)."""
    from loaders.store import LedgerStore

    if isinstance(store, LedgerStore):
        return store.path.read_bytes()
    from loaders.store_pg import SCHEMA

    with store._read() as con:
        tables = [r[0] for r in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (SCHEMA,)).fetchall()]
        return {t: con.execute(f"SELECT * FROM {SCHEMA}.{t} ORDER BY 1, 2").fetchall() for t in tables}


@pytest.fixture(params=["sqlite", "postgresql"])
def either_store(request, tmp_path):
    """One test on both engines: a new LedgerStore file, or a PgLedgerStore on a new database."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_store")
    from loaders.store import LedgerStore

    return LedgerStore(tmp_path / "ledger.sqlite")


def store_target(store) -> str:
    """What --db and LEDGER_DB take to name this store (the PostgreSQL URL with its password)."""
    return getattr(store, "url", None) or str(store.path)


def tamper(store, sql: str, params=()) -> None:
    """Change the stored tables behind the product's back, as someone with the database's password could."""
    from loaders.store import LedgerStore

    if isinstance(store, LedgerStore):
        import sqlite3

        con = sqlite3.connect(store.path)
        con.execute(sql, params)
        con.commit()
        con.close()
        return
    import psycopg

    from loaders.store_pg import SCHEMA

    with psycopg.connect(store.url, options=f"-c search_path={SCHEMA}", autocommit=True) as con:
        con.execute(sql.replace("?", "%s"), params or None)
