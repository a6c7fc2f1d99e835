"""`python -m loaders` when something is wrong around the ledger: the store, the settings, the options, the output.

Each case gets one Chinese sentence naming the file and what to do, and the documented exit status.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from loaders import config  # noqa: E402
from loaders.cli import main  # noqa: E402
from loaders.store import LedgerStore  # noqa: E402
from test_cli_store import community, result  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "store.sqlite"
    LedgerStore(path).import_result(result(date(2022, 3, 4), community("SB1", node=2)))
    return path


@pytest.fixture
def ledger(tmp_path):
    return lb.write_csv(tmp_path / "市北区.csv", lb.standard_sheet())


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------------------------------------ the store
@pytest.mark.parametrize("command", [["summary"], ["snapshots"], ["restore", "1"]])
def test_another_programs_database_is_refused_by_every_command(tmp_path, capsys, ledger, command):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE foo (a)")
    con.commit()
    con.close()
    before = other.read_bytes()
    code, out, err = run(capsys, *command, "--db", other)
    assert (code, out) == (2, "")
    assert err == (f"文件 {other} 是其他程序的数据库，不是台账数据库；为免改动其中的数据，未做任何操作。"
                   "请用 --db 指定台账数据库，或指定一个尚不存在的文件以新建数据库。\n")
    assert other.read_bytes() == before
    code, _, err = run(capsys, "import", ledger, "--db", other)
    assert code == 2 and err.endswith("不是台账数据库；为免改动其中的数据，未做任何操作。"
                                      "请用 --db 指定台账数据库，或指定一个尚不存在的文件以新建数据库。\n")
    assert other.read_bytes() == before


def test_import_into_read_only_store(db, ledger, capsys, monkeypatch):
    connect = LedgerStore._connect

    def write_protected(self, uri_params=None):  # what SQLite gives for a file without write permission
        con = connect(self, uri_params)
        con.execute("PRAGMA query_only = ON")
        return con

    monkeypatch.setattr(LedgerStore, "_connect", write_protected)
    before = db.read_bytes()
    code, _, err = run(capsys, "import", ledger, "--db", db)
    assert code == 2
    assert err == (f"没有写入数据库 {db} 的权限（该文件或其所在文件夹是只读的）。"
                   "请让系统管理员开放写权限，或用 --db 指定可以写入的位置。\n")
    assert run(capsys, "restore", "1", "--db", db)[::2] == (2, err)
    assert db.read_bytes() == before


def test_import_while_another_import_holds_the_store(db, ledger, capsys, monkeypatch):
    monkeypatch.setattr("loaders.store.BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, _, err = run(capsys, "import", ledger, "--db", db)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 2
    assert err == f"数据库 {db} 正被另一个程序写入（可能另一次导入正在进行），等待0.1秒后仍未结束。请稍后重试。\n"


def test_damaged_store(db, capsys):
    data = bytearray(db.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)
    db.write_bytes(bytes(data))
    code, out, err = run(capsys, "summary", "--db", db)
    assert (code, out) == (2, "")
    assert err == f"数据库文件 {db} 已损坏，无法读取。请从备份恢复该文件，或用 --db 指定其他数据库。\n"


# ----------------------------------------------------------------------------------------------- the settings
def _settings(tmp_path, text: str) -> Path:
    path = tmp_path / "部署配置.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_partial_settings_file_falls_back_to_the_defaults(tmp_path, ledger, capsys, monkeypatch):
    monkeypatch.setenv("LEDGER_SETTINGS", str(_settings(tmp_path, '[store]\npath = "/srv/台账/ledger.sqlite"\n')))
    assert config.store_path() == Path("/srv/台账/ledger.sqlite")
    assert config.upload_limits()["max_file_mb"] == 20 and config.default_crs() == "gcj02"
    assert config.sample_ledgers_dir() == ROOT / "sample_data" / "ledgers"
    code, out, err = run(capsys, "check", ledger)
    assert (code, err) == (0, "")
    assert out.rstrip().endswith("校验通过：无错误、无警告，可以报送。")


@pytest.mark.parametrize("text, problem", [
    ("[store]\npath = \n", "第2行第8列不符合 TOML 格式，请检查该处的等号、引号和方括号是否完整。"),
    ('[store\npath = "x"\n', "第1行第7列不符合 TOML 格式，请检查该处的等号、引号和方括号是否完整。"),
    ("upload = 5\n", "中的 upload 应为一节（[upload]），而不是单个值。"),
])
def test_broken_settings_file_is_named(tmp_path, ledger, capsys, monkeypatch, text, problem):
    path = _settings(tmp_path, text)
    monkeypatch.setenv("LEDGER_SETTINGS", str(path))
    code, out, err = run(capsys, "check", ledger)
    assert (code, out) == (2, "")
    assert err == f"配置有误：配置文件 {path} {problem}\n"


def test_missing_settings_file_is_named(tmp_path, ledger, capsys, monkeypatch):
    monkeypatch.setenv("LEDGER_SETTINGS", str(tmp_path / "nowhere.toml"))
    code, out, err = run(capsys, "summary", "--db", tmp_path / "x.sqlite")
    assert (code, out) == (2, "")
    assert err == (f"配置有误：找不到配置文件 {tmp_path / 'nowhere.toml'}（环境变量 LEDGER_SETTINGS 指定）。"
                   f"请检查该变量，或删除它以使用默认配置 {ROOT / 'config' / 'settings.toml'}。\n")
    assert not (tmp_path / "x.sqlite").exists()


def test_relative_environment_paths_are_from_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    _settings(tmp_path / "conf", '[store]\npath = "var/other.sqlite"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEDGER_SETTINGS", "conf/部署配置.toml")
    monkeypatch.delenv("LEDGER_DB", raising=False)
    assert config.store_path() == ROOT / "var" / "other.sqlite"   # written in a settings file: project root
    monkeypatch.setenv("LEDGER_DB", "data/ledger.sqlite")
    assert config.store_path() == tmp_path / "data" / "ledger.sqlite"


# ---------------------------------------------------------------------------------------- options and output
def test_restore_number_that_is_not_one(db, capsys):
    code, out, err = run(capsys, "restore", "abc", "--db", db)
    assert (code, out) == (2, "")
    assert err.endswith("python -m loaders restore：错误：参数 编号：快照编号应为整数（见 snapshots --all），而不是「abc」\n")
    assert run(capsys, "restore", "99999999999999999999999", "--db", db) == (
        1, "", "没有编号为99999999999999999999999的快照\n")


def test_export_to_a_folder(tmp_path, ledger, capsys):
    target = tmp_path / "输出"
    target.mkdir()
    code, out, err = run(capsys, "export", ledger, "--to", target)
    assert (code, out) == (2, "")
    assert err == f"无法写入文件 {target}：这是一个文件夹，请在 --to 后写出文件名，如 {target / '小区.geojson'}。\n"


def test_export_without_write_permission(tmp_path, ledger, capsys, monkeypatch):
    def refused(self, *args, **kwargs):  # what the system says for a protected file (root is never refused)
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refused)
    target = tmp_path / "points.geojson"
    code, _, err = run(capsys, "export", ledger, "--to", target)
    assert code == 2
    assert err == f"无法写入文件 {target}：没有写入权限，请换一个位置，或请系统管理员开放该位置的写权限。\n"


@pytest.mark.parametrize("argv", [["check", "{ledger}"], ["snapshots", "--db", "{db}"],
                                  ["summary", "--db", "{db}"]])
def test_output_into_a_closed_pipe_ends_quietly(db, ledger, argv):
    """`… | head -1`: the reader is gone before we write; no message, the status of a SIGPIPE ending."""
    args = [a.format(ledger=ledger, db=db) for a in argv]
    proc = subprocess.Popen([sys.executable, "-m", "loaders", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()                                    # before the interpreter has even started
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert err == b""


def test_import_of_a_folder_says_what_check_says(tmp_path, db, capsys):
    folder = tmp_path / "台账"
    folder.mkdir()
    before = db.read_bytes()
    expected = f"无法读取：{folder} 是一个文件夹，不是台账文件。\n"
    assert run(capsys, "check", folder) == (2, "", expected)
    assert run(capsys, "import", folder, "--db", db) == (2, "", expected)
    assert run(capsys, "import", tmp_path / "缺.xlsx", "--db", db) == (2, "", f"无法读取：找不到文件：{tmp_path / '缺.xlsx'}\n")
    assert db.read_bytes() == before

