import sys
from pathlib import Path

# Tests import the project's packages from the checkout, wherever pytest is started.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# A throw-away PostgreSQL server for the store tests that run against both engines.
pytest_plugins = ["pg_fixtures"]

import hashlib  # noqa: E402
import shutil  # noqa: E402

import pytest  # noqa: E402


def _sample_fingerprint(ledgers: Path) -> str:
    """Sample files and the loaders' code: a store built from them is reused while neither changes."""
    h = hashlib.sha256()
    for path in sorted(ledgers.rglob("*")):
        if path.is_file():
            st = path.stat()
            h.update(f"{path.relative_to(ledgers)}|{st.st_size}|{st.st_mtime_ns}".encode())
    for path in sorted((ROOT / "loaders").rglob("*.py")) + sorted((ROOT / "config").glob("*.toml")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


SAMPLE_STORE_FIXTURES = {"sample_store_file", "sample_db", "sample_db_copy"}


def pytest_collection_modifyitems(config, items):
    """A test that needs the sample store is `slow` (the first build of the run reads every sample file), so
    the fast loop `-m "not browser and not slow"` never builds it."""
    for item in items:
        if SAMPLE_STORE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def incident_log(tmp_path_factory) -> Path:
    """Incidents recorded by any test (and the programs it starts) go to a private folder, not var/log."""
    folder = tmp_path_factory.mktemp("incidents")
    patch = pytest.MonkeyPatch()
    patch.setenv("LEDGER_LOG_DIR", str(folder))
    yield folder
    patch.undo()


@pytest.fixture(scope="session")
def sample_store_file(request, tmp_path_factory) -> Path:
    """The sample history read through the real reader into a store: the one build of the whole run.

    Building reads every weekly file (about a minute on two cores), so with pytest's cache the file is kept
    between runs, keyed by a fingerprint of the sample files and the loaders' code; without the cache
    (`-p no:cacheprovider`) it is built once into the run's temporary folder.
    """
    from filelock import FileLock

    from loaders import config, sample

    ledgers = config.sample_ledgers_dir()
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        folder = Path(cache.mkdir("sample_store"))
    else:   # the run's temporary root, which every xdist worker of the run shares
        folder = tmp_path_factory.getbasetemp().parent if _xdist_worker(request) else tmp_path_factory.getbasetemp()
        folder = folder / "sample_store"
        folder.mkdir(exist_ok=True)
    path = folder / f"ledger-{_sample_fingerprint(ledgers)}.sqlite"
    with FileLock(str(folder / "build.lock")):    # the first worker builds, the others wait for its file
        if not path.exists():
            for old in folder.glob("ledger-*"):
                old.unlink()
            report = sample.build_default_store(path, ledgers)     # built aside, then renamed into place
            if report is None or report.skipped or report.imported != report.files:
                path.unlink(missing_ok=True)
                pytest.fail(f"sample files not imported: {getattr(report, 'skipped', None)}")
    return path


def _xdist_worker(request) -> bool:
    return hasattr(request.config, "workerinput")


@pytest.fixture(scope="session")
def sample_db(sample_store_file, tmp_path_factory) -> Path:
    """The sample store, shared by every test that only reads it (a session copy: the built file itself is
    never opened, so no test can change what the next run reuses). Tests that write use `sample_db_copy`."""
    target = tmp_path_factory.mktemp("sample_db") / "ledger.sqlite"
    shutil.copyfile(sample_store_file, target)
    return target


@pytest.fixture
def sample_db_copy(sample_store_file, tmp_path) -> Path:
    """A private copy of the sample store for a test that imports into it."""
    target = tmp_path / "ledger.sqlite"
    shutil.copyfile(sample_store_file, target)
    return target


@pytest.fixture
def damage_pages():
    """Overwrite a few pages in the middle of a SQLite file, as a failing disk or a torn copy does: the file
    still opens and most queries still answer."""
    import sqlite3

    def damage(path: Path, pages: int = 3) -> None:
        con = sqlite3.connect(path)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = con.execute("PRAGMA page_size").fetchone()[0]
            count = con.execute("PRAGMA page_count").fetchone()[0]
        finally:
            con.close()
        assert count > pages + 2, f"{path} has only {count} pages"
        data = bytearray(Path(path).read_bytes())
        first = count // 2
        data[first * size:(first + pages) * size] = b"\x5a" * (pages * size)
        Path(path).write_bytes(bytes(data))

    return damage
