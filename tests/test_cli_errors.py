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
from cli.main import main  # noqa: E402
from loaders.store import LedgerStore, damaged_message  # noqa: E402
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
    assert err == damaged_message(db) + "\n"


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



# ------------------------------------------------------------------------------- unexpected failures: incidents
def _incident(err: str) -> str:
    import re

    found = re.findall(r"（错误编号 (E\d{8}-\d{6}-[0-9a-f]{4})）", err)
    assert len(found) == 1, err
    return found[0]


def _logged(incident_log: Path, incident: str) -> str:
    """The incident's entry in the log file: its header line and the traceback under it."""
    text = (incident_log / "incidents.log").read_text(encoding="utf-8")
    start = text.index(f"=== {incident} ")
    end = text.find("\n=== ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_an_unexpected_reader_failure_is_logged_under_the_id_the_user_sees(ledger, capsys, monkeypatch, incident_log):
    from loaders.reader import pipeline

    def broken(*args, **kwargs):
        raise KeyError("boom-in-the-reader")

    monkeypatch.setattr(pipeline, "_read_ledger", broken)
    code, out, err = run(capsys, "check", ledger)
    assert (code, out) == (2, "")
    assert err.startswith("无法读取：读取文件时发生意外错误（KeyError），文件可能格式异常（错误编号 ")
    entry = _logged(incident_log, _incident(err))
    assert "Traceback" in entry and "boom-in-the-reader" in entry and "市北区.csv" in entry.splitlines()[0]


def test_an_unexpected_command_failure_is_logged_under_the_id_the_user_sees(db, capsys, monkeypatch, incident_log):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom-in-summary")

    monkeypatch.setattr(LedgerStore, "snapshot_aggregates", broken)
    code, out, err = run(capsys, "summary", "--db", db)
    assert (code, out) == (2, "")
    assert err.startswith("发生意外错误（ZeroDivisionError），操作未完成（错误编号 ") and "Traceback" not in err
    entry = _logged(incident_log, _incident(err))
    assert "boom-in-summary" in entry and "summary --db" in entry.splitlines()[0]


def test_without_geodata_a_ledger_with_coordinates_is_refused_not_stored_unconverted(db, ledger, capsys, monkeypatch,
                                                                                     incident_log):
    """Before: GCJ-02 points were kept as written, labelled WGS-84, and the district check was skipped."""
    import loaders

    monkeypatch.delattr(loaders, "geodata", raising=False)
    monkeypatch.setitem(sys.modules, "loaders.geodata", None)     # `import` of it raises ImportError
    before = db.read_bytes()
    code, out, err = run(capsys, "import", ledger, "--db", db)
    assert code == 1
    assert "坐标换算模块无法加载（loaders.geodata），无法把坐标换算为WGS-84并核对所属区市，本文件未读取" in out
    assert "未导入" in out + err
    assert db.read_bytes() == before


# --------------------------------------------------------------------------- one date parser for every option
@pytest.mark.parametrize("typed", ["2023/06/30", "2023-6-30", "20230630", "2023.6.30", "2023年6月30日", " 2023-06-30 "])
def test_check_and_import_accept_the_same_report_dates(tmp_path, ledger, capsys, typed):
    db = tmp_path / "store.sqlite"
    assert run(capsys, "check", ledger, "--report-date", typed)[0] in (0, 1)
    code, out, err = run(capsys, "import", ledger, "--db", db, "--report-date", typed)
    assert code == 0, err
    assert LedgerStore(db).report_dates() == [date(2023, 6, 30)]


@pytest.mark.parametrize("typed, problem", [("2023/06/31", "无法识别"), ("6/30", "无法识别"), ("2023年6月", "无法识别：只写了年月"),
                                            ("June", "无法识别")])
def test_check_import_and_summary_refuse_the_same_report_dates(tmp_path, ledger, db, capsys, typed, problem):
    for argv in (["check", ledger, "--report-date", typed], ["import", ledger, "--db", db, "--report-date", typed],
                 ["summary", "--db", db, "--as-of", typed], ["snapshots", "--db", db, "--as-of", typed]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err == f"截至日期「{typed}」{problem}" + err.split(problem, 1)[1], argv
