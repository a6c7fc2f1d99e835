"""`import` and `summary` through loaders.main(argv) on a temporary store."""
from __future__ import annotations

import json
import sys
from datetime import date

import pandas as pd
import pytest

from cli.store import SUMMARY_KEYS
from cli.common import parse_batch_years
from cli.main import main
from loaders import schema
from loaders.report import Issue, LedgerResult, UnreadableLedger
from loaders.store import LedgerStore


def community(cid, district="市北区", batch=2022, households=100, planned=500.0, completed=0.0, node=0,
              bundle=None, elevators=None):
    return dict(community_id=cid, name=f"小区{cid}", district=district, batch_year=batch, households=households,
                planned_investment_wan=planned, completed_investment_wan=completed, node_reached=node,
                status=schema.node_status(node), bundle=bundle, elevators_planned=elevators)


def result(report_date, *rows, source="台账.csv", errors=(), warnings=()):
    return LedgerResult(schema.conform(pd.DataFrame(list(rows))), report_date, source, list(errors), list(warnings))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "store.sqlite"
    store = LedgerStore(path)
    store.import_result(result(date(2022, 3, 4),
                               community("SB1", node=2, bundle="P1", elevators=2),
                               community("SB2", node=6, completed=50.0, households=80, bundle="P1"),
                               community("SN1", district="市南区", node=1, bundle="P2", elevators=1),
                               community("SN7", district="市南区", batch=2023, node=0, planned=900.0, households=300),
                               community("SB9", batch=2021, node=7, completed=300.0, planned=300.0)))
    store.import_result(result(date(2022, 3, 11),
                               community("SB1", node=6, completed=20.0, bundle="P1", elevators=2),
                               community("SB2", node=7, completed=400.0, households=80, bundle="P1")))
    return path


def run_json(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_summary_json_latest(db, capsys):
    got = run_json(capsys, "summary", "--db", str(db), "--json")
    assert list(got)[:7] == list(SUMMARY_KEYS)
    assert got["report_date"] == "2022-03-11"
    assert got["rows"] == 5
    assert got["by_district"]["市北区"]["communities"] == 3
    assert got["by_district"]["市北区"]["started"] == 3
    assert got["by_district"]["市北区"]["completed"] == 2
    assert got["by_district"]["市北区"]["completed_investment_wan"] == pytest.approx(720.0)
    assert got["by_district"]["市南区"]["households"] == 400
    assert got["by_node"]["开工"] == 3 and got["by_node"]["意愿征求"] == 3
    assert got["bundles"] == 2
    assert got["elevators_planned"] == 3


def test_summary_as_of_and_batch_range(db, capsys):
    got = run_json(capsys, "summary", "--db", str(db), "--json", "--as-of", "2022-03-05", "--batch-year", "2022")
    assert got["report_date"] == "2022-03-05"
    assert got["rows"] == 3
    assert got["by_district"]["市北区"]["started"] == 1
    assert got["by_node"]["意愿征求"] == 2
    assert got["by_status"]["摸底排查"] == 1
    ranged = run_json(capsys, "summary", "--db", str(db), "--json", "--batch-year", "2022-2023")
    assert ranged["rows"] == 4
    assert ranged["by_district"]["市南区"]["planned_investment_wan"] == pytest.approx(1400.0)
    before = run_json(capsys, "summary", "--db", str(db), "--json", "--as-of", "2022-01-01")
    assert before["rows"] == 0 and before["by_district"] == {}


def test_summary_human_output_is_chinese_table(db, capsys):
    assert main(["summary", "--db", str(db), "--as-of", "2022-03-31"]) == 0
    out = capsys.readouterr().out
    assert "截至2022-03-31（全部改造年度），共5个小区" in out
    lines = out.splitlines()
    sb = next(line for line in lines if line.startswith("市北区"))
    assert "2022-03-04至2022-03-11" in sb and sb.split()[-1] == "720.0"
    assert next(line for line in lines if line.startswith("合计")).split()[1] == "5"
    assert "打包项目：2个；计划加装电梯：3部" in out
    by_batch = {line.split()[0]: line.split() for line in lines if line[:4].isdigit() and "年度" in line}
    assert by_batch["2022年度"][1:5] == ["3", "2", "66.7%", "1"]
    assert by_batch["2023年度"][5] == "300" and by_batch["2021年度"][7] == "300.0"


@pytest.mark.parametrize("argv, message", [
    (["summary", "--as-of", "2022-13-01"], "无法识别"),
    (["summary", "--batch-year", "20x"], "改造年度"),
    (["summary", "--batch-year", "2024-2022"], "起止颠倒"),
])
def test_summary_bad_options_exit_2(db, capsys, argv, message):
    assert main(argv + ["--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_summary_missing_db_exit_2(tmp_path, capsys):
    assert main(["summary", "--db", str(tmp_path / "nope.sqlite")]) == 2
    assert "数据库文件不存在" in capsys.readouterr().err
    assert not (tmp_path / "nope.sqlite").exists()


def test_summary_corrupt_db_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    assert main(["summary", "--db", str(bad)]) == 2
    assert capsys.readouterr().err == (f"文件 {bad} 不是台账数据库（或已严重损坏）。请确认 --db 指向的是台账数据库，"
                                       "或从备份恢复该文件。\n")
    assert bad.read_bytes() == b"this is not a database" * 100


@pytest.fixture
def fake_reader(monkeypatch):
    """A stand-in loaders.reader: the file's text names what read_ledger returns."""
    calls = []

    def read_ledger(source, *, source_name=None, report_date=None, batch_year=None, crs=None):
        calls.append(dict(source_name=source_name, report_date=report_date, batch_year=batch_year, crs=crs))
        text = open(source, encoding="utf-8").read()
        if text == "unreadable":
            raise UnreadableLedger("文件不是Excel或CSV表格")
        rd = report_date or date(2022, 3, 18)
        if text == "errors":
            return result(rd, community("SB1"), source=source_name,
                          errors=[Issue("error", "市北区", 7, "户数", "abc", "应为数字")])
        return result(rd, community("SB1", node=7, completed=90.0), community("LS1", district="崂山区", node=6),
                      source=source_name, warnings=[Issue("warning", "市北区", 3, "完成投资", "90", "提醒测试")])

    from loaders import reader

    monkeypatch.setattr(reader, "read_ledger", read_ledger)
    return calls


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_stores_and_reports(db, tmp_path, capsys, fake_reader):
    f = write(tmp_path, "市北区0318.csv", "ok")
    code = main(["import", str(f), "--db", str(db), "--batch-year", "2022", "--crs", "bd09"])
    out = capsys.readouterr().out
    assert code == 0
    assert fake_reader == [dict(source_name="市北区0318.csv", report_date=None, batch_year=2022, crs="bd09")]
    assert "提醒测试" in out
    assert "截至2022-03-18，共2个小区，2个快照" in out
    assert "崂山区 2022年度 截至2022-03-18：1个小区" in out
    store = LedgerStore(db)
    assert date(2022, 3, 18) in store.report_dates()
    got = run_json(capsys, "summary", "--db", str(db), "--json", "--batch-year", "2022")
    assert got["by_district"]["崂山区"]["started"] == 1


def test_import_duplicate_refused_then_replace(db, tmp_path, capsys, fake_reader):
    f = write(tmp_path, "a.csv", "ok")
    assert main(["import", str(f), "--db", str(db), "--report-date", "2022-03-11"]) == 1
    err = capsys.readouterr().err
    assert "已经导入过" in err and "--replace" in err
    assert main(["import", str(f), "--db", str(db), "--report-date", "2022-03-11", "--replace"]) == 0
    out = capsys.readouterr().out
    assert "替换了原版本#" in out and "完全相同" not in out
    assert main(["import", str(f), "--db", str(db), "--report-date", "2022-03-11", "--replace"]) == 0
    assert "内容与此前导入的「a.csv」" in capsys.readouterr().out
    inactive = LedgerStore(db).snapshots(include_inactive=True).query("not active")
    assert sorted(inactive["district"]) == ["崂山区", "市北区", "市北区"]


def test_import_with_errors_changes_nothing(db, tmp_path, capsys, fake_reader):
    before = db.read_bytes()
    f = write(tmp_path, "bad.csv", "errors")
    assert main(["import", str(f), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert "第7行" in captured.out and "应为数字" in captured.out
    assert "未导入" in captured.err
    assert db.read_bytes() == before


def test_import_unreadable_exit_2(db, tmp_path, capsys, fake_reader):
    before = db.read_bytes()
    f = write(tmp_path, "x.xlsx", "unreadable")
    assert main(["import", str(f), "--db", str(db)]) == 2
    assert capsys.readouterr().err == "无法读取：文件不是Excel或CSV表格\n"
    assert db.read_bytes() == before


def test_import_bad_date_option_exit_2(db, tmp_path, capsys, fake_reader):
    f = write(tmp_path, "a.csv", "ok")
    assert main(["import", str(f), "--db", str(db), "--report-date", "5/31"]) == 2
    assert "无法识别" in capsys.readouterr().err
    assert fake_reader == []


def test_import_through_the_real_reader(tmp_path, capsys):
    csv = tmp_path / "市北区.csv"
    csv.write_text(
        "小区编号,小区名称,所属区市,改造年度,户数,总投资（万元）,累计完成投资（万元）\n"
        "SB-001,台东小区,市北区,2022,120,300,50\n"
        "SB-002,辽宁路小区,市北,2022,80,200,\n",
        encoding="utf-8-sig")
    db = tmp_path / "real.sqlite"
    code = main(["import", str(csv), "--db", str(db), "--report-date", "2022-05-31"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    got = LedgerStore(db).ledger_as_of().set_index("community_id")
    assert list(got.index) == ["SB-001", "SB-002"]
    assert set(got["district"]) == {"市北区"}
    assert got.loc["SB-001", "completed_investment_wan"] == 50.0
    assert got.loc["SB-002", "report_date"] == pd.Timestamp("2022-05-31")


def test_python_m_loaders_import_while_dashboard_reads(tmp_path):
    """The real entry point in a separate process, while this process holds the store open mid-read."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    db = tmp_path / "live.sqlite"
    dashboard = LedgerStore(db)
    dashboard.import_result(result(date(2022, 5, 27), community("SB-001", node=5)))
    seen = dashboard.version()
    csv = tmp_path / "市北区0531.csv"
    csv.write_text("小区编号,小区名称,所属区市,改造年度,户数,总投资（万元）,累计完成投资（万元）,实际开工时间\n"
                   "SB-001,台东小区,市北区,2022,120,300,50,2022-05-20\n", encoding="utf-8")
    con = dashboard._connect()
    con.execute("BEGIN")
    assert con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1
    proc = subprocess.run([sys.executable, "-m", "loaders", "import", str(csv), "--db", str(db),
                           "--report-date", "2022-05-31"], cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "已导入" in proc.stdout and "Traceback" not in proc.stderr
    assert con.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1   # a stable view mid-read
    con.execute("COMMIT")
    con.close()
    assert dashboard.version() != seen                                        # the next rerun's cache key
    now = dashboard.ledger_as_of().set_index("community_id")
    assert now.loc["SB-001", "report_date"] == pd.Timestamp("2022-05-31")
    assert now.loc["SB-001", "node_reached"] == 6
    # and the summary command in a process sees it too
    proc = subprocess.run([sys.executable, "-m", "loaders", "summary", "--db", str(db), "--json"], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["by_district"]["市北区"]["started"] == 1


def test_snapshots_and_restore(db, tmp_path, capsys, fake_reader):
    f = write(tmp_path, "a.csv", "ok")
    assert main(["import", str(f), "--db", str(db), "--report-date", "2022-03-11", "--replace"]) == 0
    capsys.readouterr()
    listed = json.loads(_run(capsys, "snapshots", "--db", str(db), "--all", "--json"))
    old = next(s for s in listed if s["district"] == "市北区" and s["report_date"] == "2022-03-11" and not s["active"])
    new = next(s for s in listed if s["snapshot_id"] == old["replaced_by"])
    assert new["active"] and new["source_name"] == "a.csv"
    assert old["snapshot_id"] not in [s["snapshot_id"] for s in json.loads(
        _run(capsys, "snapshots", "--db", str(db), "--json"))]
    text = _run(capsys, "snapshots", "--db", str(db), "--all", "--as-of", "2022-03-11")
    assert f"已被#{new['snapshot_id']}替换" in text
    out = _run(capsys, "restore", str(old["snapshot_id"]), "--db", str(db))
    assert f"已恢复快照#{old['snapshot_id']}" in out and f"restore {new['snapshot_id']}" in out
    got = run_json(capsys, "summary", "--db", str(db), "--json", "--batch-year", "2022")
    assert got["by_district"]["市北区"]["completed_investment_wan"] == pytest.approx(420.0)   # the old figures
    assert "崂山区" in got["by_district"]                         # other parts of the replacing import stay
    assert main(["restore", str(old["snapshot_id"]), "--db", str(db)]) == 1
    assert "已是当前版本" in capsys.readouterr().err
    assert main(["restore", "999", "--db", str(db)]) == 1
    assert "没有编号为999的快照" in capsys.readouterr().err


def _run(capsys, *argv) -> str:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_summary_without_data_reads_naturally(db, capsys):
    assert _run(capsys, "summary", "--db", str(db), "--as-of", "2022-01-01") == \
        "截至2022-01-01，数据库中没有任何改造年度的小区台账。\n"
    assert _run(capsys, "summary", "--db", str(db), "--batch-year", "2019,2024") == \
        "截至目前，数据库中没有2019、2024年度的小区台账。\n"


def test_summary_header_lists_separate_years(db, capsys):
    assert _run(capsys, "summary", "--db", str(db), "--batch-year", "2021,2023").splitlines()[0] == \
        "截至2022-03-04（2021、2023年度），共2个小区"
    assert _run(capsys, "summary", "--db", str(db), "--batch-year", "2021-2022").splitlines()[0] == \
        "截至2022-03-11（2021–2022年度），共4个小区"


@pytest.mark.parametrize("text", ["2021—2022", "2021–2022", "2021－2022", "2021至2022", "2021——2022", "2021 ~ 2022"])
def test_batch_year_range_separators(text):
    assert parse_batch_years(text) == [2021, 2022]


def test_a_bureau_store_named_by_ledger_db_holds_only_its_own_ledger(tmp_path):
    """A fresh install: LEDGER_DB names a new store; import and summary never seed the fictional sample."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    csv = tmp_path / "市北区台账.csv"
    csv.write_text("小区编号,小区名称,所属区市,改造年度,户数,总投资（万元）,累计完成投资（万元）,实际开工时间\n"
                   "SB-001,台东小区,市北区,2022,120,300,50,2022-05-20\n"
                   "SB-002,辽宁路小区,市北区,2022,80,200,0,\n", encoding="utf-8")
    env = {**os.environ, "LEDGER_DB": "bureau.sqlite", "PYTHONPATH": str(root)}  # relative: from the cwd
    env.pop("LEDGER_SETTINGS", None)
    for argv in (["import", str(csv), "--report-date", "2022-05-31"], ["summary", "--json"]):
        proc = subprocess.run([sys.executable, "-m", "loaders", *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["rows"] == 2
    assert list(summary["by_district"]) == ["市北区"]
    assert "示例" not in proc.stderr
    assert len(LedgerStore(tmp_path / "bureau.sqlite").snapshots()) == 1


def test_summary_rounds_the_start_rate_as_the_dashboard_does(tmp_path, capsys):
    """5 of 16 is 31.25%: half up, as on the dashboard (metrics.numbers), not Python's 31.2."""
    from metrics.numbers import fmt_pct
    from metrics.progress import start_rate

    db = tmp_path / "store.sqlite"
    LedgerStore(db).import_result(result(date(2022, 5, 31),
                                         *[community(f"SB{i}", node=6 if i < 5 else 0) for i in range(16)]))
    lines = _run(capsys, "summary", "--db", str(db)).splitlines()
    row = next(line for line in lines if line.startswith("市北区"))
    assert row.split()[2:5] == ["16", "5", "31.3%"]
    assert fmt_pct(start_rate(5, 16)) == "31.3%"
