"""Building the default store from sample_data/ledgers (with a stand-in reader)."""
from __future__ import annotations

import threading
from datetime import date

import pandas as pd
import pytest

from loaders import sample, schema
from loaders.report import Issue, LedgerResult
from loaders.store import LedgerStore


def fake_read(job):
    """Stands in for read_ledger: the file holds `district,batch,id,node` lines."""
    report_date, path, source_name = job
    text = path.read_text(encoding="utf-8")
    if text.startswith("BROKEN"):
        return None, "文件已损坏"
    rows, errors = [], []
    for line in text.splitlines():
        district, batch, cid, node = line.split(",")
        if node == "bad":
            errors.append(Issue("error", district, 2, "节点", node, "无法识别"))
            node = "0"
        rows.append(dict(community_id=cid, name=cid, district=district, batch_year=int(batch), households=10,
                         planned_investment_wan=100.0, completed_investment_wan=0.0, node_reached=int(node),
                         status=schema.node_status(int(node))))
    return LedgerResult(schema.conform(pd.DataFrame(rows)), report_date, source_name, errors), None


@pytest.fixture
def ledgers(tmp_path, monkeypatch):
    root = tmp_path / "ledgers"
    files = {
        "2022-03-04/市北区.csv": "市北区,2022,SB1,2\n市北区,2022,SB2,6",
        "2022-03-04/市南区.csv": "市南区,2022,SN1,1\n市南区,2021,SN9,7",
        "2022-03-11/市北区.csv": "市北区,2022,SB1,6\n市北区,2022,SB2,7",
        "2022-03-11/市南区.csv": "市南区,2022,SN1,bad",
        "2022-03-11/坏文件.xlsx": "BROKEN",
        "2022-03-11/说明.txt": "not a ledger",
        "notes/readme.csv": "市北区,2022,X,1",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sample, "_read", fake_read)
    return root


def test_sample_files_lists_dated_ledgers_only(ledgers):
    found = [(d, p.relative_to(ledgers).as_posix()) for d, p in sample.sample_files(ledgers)]
    assert found == [
        (date(2022, 3, 4), "2022-03-04/市北区.csv"),
        (date(2022, 3, 4), "2022-03-04/市南区.csv"),
        (date(2022, 3, 11), "2022-03-11/坏文件.xlsx"),
        (date(2022, 3, 11), "2022-03-11/市北区.csv"),
        (date(2022, 3, 11), "2022-03-11/市南区.csv"),
    ]


def test_build_store_imports_good_files_and_reports_the_rest(ledgers, tmp_path, capsys):
    target = tmp_path / "var" / "ledger.sqlite"
    report = sample.build_default_store(target, ledgers, workers=1)
    assert target.exists()
    assert not list(target.parent.glob(".ledger.sqlite.building-*"))
    assert not (target.parent / "ledger.sqlite-wal").exists()
    assert (report.files, report.imported, report.rows, report.snapshots) == (5, 3, 6, 4)
    assert len(report.skipped) == 2
    assert "市南区.csv" in " ".join(report.skipped) and "文件已损坏" in " ".join(report.skipped)
    assert "示例数据库已建立" in capsys.readouterr().err
    store = LedgerStore(target)
    assert store.report_dates() == [date(2022, 3, 4), date(2022, 3, 11)]
    now = store.ledger_as_of(batch_years=2022).set_index("community_id")
    assert now.loc["SB2", "node_reached"] == 7
    assert now.loc["SN1", "report_date"] == pd.Timestamp("2022-03-04")    # the rejected file changed nothing
    assert set(store.snapshots()["source_name"]) == {"2022-03-04/市北区.csv", "2022-03-04/市南区.csv",
                                                     "2022-03-11/市北区.csv"}


def test_existing_store_is_not_rebuilt(ledgers, tmp_path):
    target = tmp_path / "ledger.sqlite"
    target.write_bytes(b"")
    assert sample.build_default_store(target, ledgers, workers=1) is None
    assert target.read_bytes() == b""


def test_two_builders_at_once_build_once(ledgers, tmp_path, monkeypatch):
    target = tmp_path / "ledger.sqlite"
    builds = []
    real = sample.build_store

    def counting(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sample, "build_store", counting)
    threads = [threading.Thread(target=sample.build_default_store, args=(target, ledgers), kwargs={"workers": 1})
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(builds) == 1
    assert LedgerStore(target).report_dates() == [date(2022, 3, 4), date(2022, 3, 11)]


def test_demo_store_is_seeded_on_first_use(ledgers, tmp_path, monkeypatch):
    from loaders import config

    target = tmp_path / "default" / "ledger.sqlite"
    monkeypatch.delenv("LEDGER_DB", raising=False)
    monkeypatch.delenv("LEDGER_SETTINGS", raising=False)
    monkeypatch.setattr(config, "store_path", lambda: target)
    monkeypatch.setattr(config, "sample_ledgers_dir", lambda: ledgers)
    monkeypatch.setattr(sample, "build_store",
                        lambda t, d=None, workers=None, _real=sample.build_store: _real(t, d, workers=1))
    store = sample.open_default_store()
    assert store.path == target
    assert len(store.snapshots()) == 4
    version = store.version()
    assert sample.open_default_store().version() == version       # second use opens, does not rebuild


@pytest.mark.parametrize("how", ["LEDGER_DB", "LEDGER_SETTINGS"])
def test_a_store_the_user_names_starts_empty(how, ledgers, tmp_path, monkeypatch):
    from loaders import config

    target = tmp_path / "bureau.sqlite"
    monkeypatch.setattr(config, "sample_ledgers_dir", lambda: ledgers)
    monkeypatch.delenv("LEDGER_DB", raising=False)
    monkeypatch.delenv("LEDGER_SETTINGS", raising=False)
    if how == "LEDGER_DB":
        monkeypatch.setenv("LEDGER_DB", str(target))
    else:
        settings = tmp_path / "bureau.toml"
        settings.write_text(f'[store]\npath = "{target}"\n', encoding="utf-8")
        monkeypatch.setenv("LEDGER_SETTINGS", str(settings))
    store = sample.open_default_store()
    assert store.path == target
    assert store.snapshots().empty
    assert store.report_dates() == []


def test_opening_a_store_never_builds_anything(ledgers, tmp_path, monkeypatch):
    from loaders import config

    monkeypatch.setattr(config, "sample_ledgers_dir", lambda: ledgers)
    store = LedgerStore(tmp_path / "new.sqlite")
    assert store.snapshots().empty


def test_build_failure_leaves_no_file(ledgers, tmp_path, monkeypatch):
    target = tmp_path / "ledger.sqlite"

    def explode(job):
        raise RuntimeError("模拟崩溃")

    monkeypatch.setattr(sample, "_read", explode)
    with pytest.raises(RuntimeError):
        sample.build_default_store(target, ledgers, workers=1)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ledger")] == []


def test_parallel_build_with_the_real_reader(tmp_path):
    root = tmp_path / "ledgers"
    header = "小区编号,小区名称,所属区市,改造年度,户数,总投资（万元）,累计完成投资（万元）,实际开工时间\n"
    for day, start in (("2022-05-27", ""), ("2022-05-31", "2022-05-30")):
        (root / day).mkdir(parents=True)
        (root / day / "市北区.csv").write_text(header + f"SB-1,台东小区,市北区,2022,120,300,10,{start}\n",
                                              encoding="utf-8")
        (root / day / "崂山区.csv").write_text(header + "LS-1,沙子口小区,崂山区,2022,80,200,0,\n", encoding="gbk")
    target = tmp_path / "built.sqlite"
    report = sample.build_default_store(target, root, workers=2)
    assert (report.imported, report.snapshots, report.skipped) == (4, 4, [])
    store = LedgerStore(target)
    hist = store.community_history("SB-1")
    assert list(hist["node_reached"]) == [0, 6]
    assert list(hist["report_date"]) == [pd.Timestamp("2022-05-27"), pd.Timestamp("2022-05-31")]
