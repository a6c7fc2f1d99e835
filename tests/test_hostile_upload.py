"""The 台账 page's upload with a hostile file name, through AppTest on an empty store: the widget takes any type
(the reader decides), its transport limit lets every file the reader could accept through, and the file name is
never rendered as markdown."""
from __future__ import annotations

import tomllib

from auth_support import city_login
from test_pages import ROOT, fresh_caches, open_app  # noqa: F401

HOSTILE_FILE = "**粗**[链](http://example.invalid/x)$x$:red[红]<img src=x>.xlsm"


def empty_store(tmp_path, monkeypatch):
    from loaders.store import LedgerStore

    store = LedgerStore(tmp_path / "empty.sqlite")
    monkeypatch.setenv("LEDGER_DB", str(store.path))
    return store


def test_widget_takes_any_type_and_more_than_the_product_limit(tmp_path, monkeypatch):
    from ui.upload import product_limit_mb

    store = empty_store(tmp_path, monkeypatch)
    widget = city_login(open_app("views/ledger.py"), store).get("file_uploader")[0]
    assert list(widget.proto.type) == []       # .xlsm and anything else reach the reader and its Chinese message
    transport_mb = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    # The browser counts decimal megabytes, the reader MiB: a file just under the reader's limit must pass.
    assert transport_mb * 1_000_000 > product_limit_mb() * 2**20 * 1.05


def test_hostile_file_name_is_text_in_the_error(tmp_path, monkeypatch):
    store = empty_store(tmp_path, monkeypatch)
    at = city_login(open_app("views/ledger.py"), store)
    at.file_uploader[0].set_value((HOSTILE_FILE, b"PK\x03\x04broken", "application/octet-stream")).run()
    [error] = [e.value for e in at.error]
    assert error.startswith("无法读取「\\*\\*粗\\*\\*\\[链\\]\\(http\u2060\\:\\/\\/example\\.invalid\\/x\\)\\$x\\$"
                            "\u2060\\:red\\[红\\]\\<img src\\=x\\>\\.xlsm」：")
    assert "文件已损坏" in error
    assert store.snapshots().empty


def test_oversized_file_gets_the_readers_message_with_the_real_limit(tmp_path, monkeypatch):
    store = empty_store(tmp_path, monkeypatch)
    at = city_login(open_app("views/ledger.py"), store)
    at.file_uploader[0].set_value(("周报.xlsx", b"PK\x03\x04" + b"x" * (21 * 2**20), "application/octet-stream")).run()
    [error] = [e.value for e in at.error]
    assert "文件过大（21\\.0 MB），超过上限20 MB" in error      # markdown-escaped "."
