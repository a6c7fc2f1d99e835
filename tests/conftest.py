import sys
from pathlib import Path

# Tests import the project's packages from the checkout, wherever pytest is started.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# A throw-away PostgreSQL server for the store tests that run against both engines.
pytest_plugins = ["pg_fixtures"]

import hashlib  # noqa: E402

import pytest  # noqa: E402


def _sample_fingerprint(ledgers: Path) -> str:
    """Sample files and the loaders' code: a store built from them is reused while neither changes."""
    h = hashlib.sha256()
    for path in sorted(ledgers.rglob("*")):
        if path.is_file():
            st = path.stat()
            h.update(f"{path.relative_to(ledgers)}|{st.st_size}|{st.st_mtime_ns}".encode())
    for path in sorted((ROOT / "loaders").glob("*.py")) + sorted((ROOT / "config").glob("*.toml")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@pytest.fixture(scope="session")
def sample_db(request) -> Path:
    """The sample history read through the real reader into a store, built once and shared by every test.

    Building reads every weekly file (about half a minute to a few minutes on two cores), so the file is kept
    in pytest's cache folder, keyed by a fingerprint of the sample files and the loaders' code. Tests that
    write must copy it (see `sample_db_copy`).
    """
    from loaders import config, sample

    ledgers = config.sample_ledgers_dir()
    folder = Path(request.config.cache.mkdir("sample_store"))
    path = folder / f"ledger-{_sample_fingerprint(ledgers)}.sqlite"
    if not path.exists():
        for old in folder.glob("ledger-*"):
            old.unlink()
        report = sample.build_default_store(path, ledgers)
        if report is None or report.skipped or report.imported != report.files:
            path.unlink(missing_ok=True)
            pytest.fail(f"sample files not imported: {getattr(report, 'skipped', None)}")
    return path


@pytest.fixture
def sample_db_copy(sample_db, tmp_path) -> Path:
    """A private copy of the sample store for a test that imports into it."""
    import shutil

    target = tmp_path / "ledger.sqlite"
    shutil.copyfile(sample_db, target)
    return target
