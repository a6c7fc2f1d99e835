"""`python -m loaders check / export`: exit codes, JSON keys, the report district staff read."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from cli.main import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _bad_ledger(tmp_path) -> Path:
    rows = lb.standard_rows()
    rows[1][3] = "市中区"                       # error
    rows[0][10] = 900                           # warning: completed > planned
    return lb.write_xlsx(tmp_path / "bad.xlsx", {"市北区": lb.standard_sheet(rows)})


def test_check_ok_exit_0(tmp_path, capsys):
    p = lb.write_xlsx(tmp_path / "ok.xlsx", {"市北区": lb.standard_sheet()})
    assert main(["check", str(p)]) == 0
    out = capsys.readouterr().out
    assert "台账校验：ok.xlsx" in out
    assert "截至日期：2023年6月30日    读取小区：3个" in out
    assert "各区市：市北区 3个" in out
    assert out.rstrip().endswith("校验通过：无错误、无警告，可以报送。")


def test_check_errors_exit_1_human(tmp_path, capsys):
    assert main(["check", str(_bad_ledger(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "错误（必须修改，否则不能入库）（1个）：" in out
    assert "工作表「市北区」第5行「所属区市」：无法识别的区市" in out
    assert "（填写值：「市中区」）" in out
    assert "警告（请核对，不影响入库）（1个）：" in out
    assert "工作表「市北区」第4行「累计完成投资（万元）」：累计完成投资（900万元）大于计划投资（500万元），请核对。" in out
    assert out.rstrip().endswith("校验未通过：1个错误，1个警告。请修改后重新报送。")
    assert out.index("错误（必须修改") < out.index("警告（请核对")
    # the 市中区 row is in 读取小区 but in no district: the summary says so, and that errors are counted in
    assert "读取小区：3个" in out and "各区市：市北区 2个" in out
    assert "（其中1行的区市无法识别，未计入各区市和合计。）" in out
    assert "（以上按所填内容统计，有错误的行也已计入；改正错误后数字会随之变化。）" in out


def test_check_json(tmp_path, capsys):
    assert main(["check", str(_bad_ledger(tmp_path)), "--json"]) == 1
    obj = json.loads(capsys.readouterr().out)
    assert list(obj) == ["report_date", "rows", "by_district", "by_status", "errors", "warnings"]
    assert obj["report_date"] == "2023-06-30"
    assert obj["rows"] == 3
    assert obj["by_district"]["市北区"] == {"communities": 2, "started": 2, "completed": 1, "households": 450,
                                          "planned_investment_wan": 760.5, "completed_investment_wan": 1160.5}
    assert obj["by_status"] == {"开工": 1, "完工": 1, "未启动": 1} or sum(obj["by_status"].values()) == 3
    assert obj["errors"] == [{"sheet": "市北区", "row": 5, "column": "所属区市", "value": "市中区",
                              "message": obj["errors"][0]["message"]}]
    assert obj["errors"][0]["message"].startswith("无法识别的区市")
    assert set(obj["warnings"][0]) == {"sheet", "row", "column", "value", "message"}


def test_check_options(tmp_path, capsys):
    p = lb.write_xlsx(tmp_path / "n.xlsx", {"市北区": lb.standard_sheet(title=False)})
    assert main(["check", str(p), "--report-date", "2023-06-30", "--batch-year", "2023", "--crs", "wgs84",
                 "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["report_date"] == "2023-06-30" and obj["errors"] == []


def test_check_unreadable_exit_2(tmp_path, capsys):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"")
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "无法读取：文件是空的（0字节），没有任何内容。请检查是否选错了文件。"
    assert main(["check", str(tmp_path / "missing.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err
    assert main(["check", str(p), "--report-date", "June"]) == 2
    assert "截至日期「June」无法识别" in capsys.readouterr().err


def test_export_geojson(tmp_path, capsys):
    rows = lb.standard_rows()
    rows[2][16] = rows[2][17] = None
    p = lb.write_xlsx(tmp_path / "e.xlsx", {"市北区": lb.standard_sheet(rows)})
    out = tmp_path / "out" / "points.geojson"
    assert main(["export", str(p), "--to", str(out), "--crs", "wgs84"]) == 0
    msg = capsys.readouterr().out
    assert "已导出2个小区点位（WGS-84）" in msg and "1个小区没有坐标，未导出" in msg
    gj = json.loads(out.read_text(encoding="utf-8"))
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 2
    f0 = gj["features"][0]
    assert f0["geometry"] == {"type": "Point", "coordinates": [120.36, 36.09]}
    assert f0["properties"] == {"community_id": "SB-001", "name": "福寿里小区", "district": "市北区", "status": "开工"}


def test_subprocess_json_and_exit_code(tmp_path):
    p = lb.write_xlsx(tmp_path / "ok.xlsx", {"市北区": lb.standard_sheet()})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "loaders", "check", str(p), "--json"], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"] == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02garbage" * 100)
    proc = subprocess.run([sys.executable, "-m", "loaders", "check", str(bad)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.startswith("无法读取：")


def test_help_is_chinese(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "校验台账文件" in out and "导出为 GeoJSON" in out
    assert main(["check", "--help"]) == 0
    assert "截至日期" in capsys.readouterr().out


def test_check_csv_locates_by_file_and_line(tmp_path, capsys):
    rows = lb.standard_rows()
    rows[0][7] = "abc"
    p = lb.write_csv(tmp_path / "市北区.csv", lb.standard_sheet(rows), encoding="gbk")
    assert main(["check", str(p)]) == 1
    out = capsys.readouterr().out
    assert "  ■ 文件「市北区.csv」：1个" in out
    assert "    - 文件「市北区.csv」第4行「户数」：户数应为整数（阿拉伯数字，如356），无法识别。（填写值：「abc」）" in out


def test_usage_errors_are_chinese(capsys):
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "用法：python -m loaders check" in err and "错误：缺少必需的参数：FILE" in err
    assert main(["check", "x.xlsx", "--crs", "utm"]) == 2
    assert "无效的选项：'utm'" in capsys.readouterr().err


def test_check_all_lists_every_issue(tmp_path, capsys):
    rows = [lb.row(i, f"SB-{i:03d}", f"小区{i}", households="abc") for i in range(1, 36)]
    p = lb.write_csv(tmp_path / "市北区.csv", lb.standard_sheet(rows))
    listed = "    - 文件「市北区.csv」第{}行「户数」：户数应为整数（阿拉伯数字，如356），无法识别。（填写值：「abc」）"
    assert main(["check", str(p)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("    - ")] == [listed.format(n) for n in range(4, 34)]
    assert "    …另有5处同类问题（户数应为整数）未逐条列出；运行 check 时加 --all 可逐条列出全部。" in lines
    assert main(["check", str(p), "--all"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("    ")] == [listed.format(n) for n in range(4, 39)]


def test_check_help_names_all(capsys):
    assert main(["check", "--help"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.lstrip().startswith("--all"))
    assert line.split() == ["--all", "逐条列出全部问题（默认同一工作表中同类问题最多列出30条，其余只给数目）"]
