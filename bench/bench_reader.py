"""Reader benchmark: prints figures for docs/reader.md (not a timed test).

1. A 1,108-row workbook (ten district sheets with title rows, ~40 columns with every milestone date):
   bare python-calamine read (open + every sheet to_python) vs read_ledger (parse in the worker process,
   headers, values, validation, coordinates), in the same process, median of several runs after a warm-up.
2. A 220,000-row national-scale ledger (one sheet): `python -m loaders check FILE --json` wall time and
   the peak memory (ru_maxrss of the largest child process).

Usage: python bench/bench_reader.py [--rows-large 220000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DISTRICTS = ["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"]
CENTRES = [(120.38, 36.07), (120.37, 36.10), (120.05, 35.92), (120.47, 36.12), (120.43, 36.16),
           (120.39, 36.30), (120.45, 36.39), (120.03, 36.28), (119.96, 36.78), (120.52, 36.88)]
NODES = ["摸底排查", "意愿征求", "方案设计", "立项", "招投标", "开工", "完工", "验收"]


def _header():
    base = ["序号", "小区编号", "小区名称", "所属区市", "所属街道", "改造年度", "建成年代", "楼栋数", "户数",
            "建筑面积（平方米）", "改造类型", "主要改造内容", "计划加装电梯（部）", "打包项目", "总投资（万元）",
            "累计完成投资（万元）", "中央补助资金（万元）", "省级补助资金（万元）", "市区财政资金（万元）", "项目状态"]
    dates = [f"{w}{n}时间" for n in NODES for w in ("计划", "实际")]
    return base + dates + ["经度（高德）", "纬度（高德）", "责任人"]


def _rows(n: int, rng: np.random.Generator, district_of=None):
    start = datetime(2023, 1, 10)
    report = datetime(2023, 6, 30)
    for i in range(n):
        d = district_of(i) if district_of else i % 10
        plan = [start + timedelta(days=int(25 * k + rng.integers(0, 40))) for k in range(8)]
        due = sum(p <= report for p in plan)
        reached = max(due - (1 if rng.random() < 0.1 else 0), 0)      # about one community in ten lags
        actual = [p + timedelta(days=int(rng.integers(-5, 10))) if k < reached else None for k, p in enumerate(plan)]
        actual = [a if a is None or a <= report else None for a in actual]
        hh = int(rng.integers(40, 900))
        planned = round(float(hh * rng.uniform(0.8, 1.6)), 2)
        lon, lat = CENTRES[d]
        yield ([i + 1, f"Q{d:02d}{i:07d}", f"第{i}号小区", DISTRICTS[d], "某某街道", 2023, int(rng.integers(1975, 2000)),
                int(rng.integers(1, 30)), hh, float(hh * 70), "基础类", "管网改造、外墙保温", int(rng.integers(0, 3)),
                f"包{i // 3}", planned, round(planned * min(reached, 7) / 8, 2), round(planned * 0.3, 2),
                round(planned * 0.1, 2), round(planned * 0.4, 2), ["未开工", "施工中", "已完工"][min(reached // 3, 2)]]
               + [x for pair in zip(plan, actual) for x in pair]
               + [round(lon + float(rng.uniform(-0.01, 0.01)), 6), round(lat + float(rng.uniform(-0.01, 0.01)), 6),
                  "张三"])


def write_workbook(path: Path, n: int, sheets_by_district: bool) -> None:
    import xlsxwriter

    rng = np.random.default_rng(7)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    header = _header()
    groups = ([(name, [i for i in range(n) if i % 10 == d]) for d, name in enumerate(DISTRICTS)]
              if sheets_by_district else [("全国台账", None)])
    for name, idx in groups:
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, [f"青岛市2023年城镇老旧小区改造项目台账（{name}）"])
        ws.write_row(1, 0, ["填报单位：住房和城乡建设局", "", "", "", "截至2023年6月30日"])
        ws.write_row(2, 0, header)
        count = len(idx) if idx is not None else n
        offset = 0
        for r, values in enumerate(_rows(count, rng, (lambda i, d=DISTRICTS.index(name): d) if idx is not None
                                         and name in DISTRICTS else None), start=3):
            values[1] = f"{values[1]}-{offset}"
            offset += 1
            for c, v in enumerate(values):
                if v is None:
                    continue
                if isinstance(v, datetime):
                    ws.write_datetime(r, c, v, datefmt)
                else:
                    ws.write(r, c, v)
    wb.close()


def write_national(path: Path, n: int) -> None:
    """220,000 rows, 22 columns (a national roll-up holds fewer columns than a district ledger)."""
    import xlsxwriter

    rng = np.random.default_rng(11)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("全国台账")
    header = ["序号", "小区编号", "小区名称", "所属区市", "街道", "改造年度", "楼栋数", "户数", "建筑面积（平方米）",
              "总投资（万元）", "累计完成投资（万元）", "项目状态", "计划开工时间", "实际开工时间", "计划完工时间",
              "实际完工时间", "经度", "纬度", "打包项目", "计划加装电梯", "改造类型", "责任人"]
    ws.write_row(0, 0, ["全国城镇老旧小区改造项目台账（测试数据） 截至2023年6月30日"])
    ws.write_row(1, 0, header)
    d = rng.integers(0, 10, n)
    hh = rng.integers(40, 900, n)
    planned = np.round(hh * rng.uniform(0.8, 1.6, n), 2)
    started = rng.random(n) < 0.8
    done = started & (rng.random(n) < 0.3)
    base = datetime(2023, 1, 1)
    ps = rng.integers(0, 150, n)
    for i in range(n):
        lon, lat = CENTRES[d[i]]
        ws.write_row(i + 2, 0, [i + 1, f"N{i:07d}", f"第{i}号小区", DISTRICTS[d[i]], "某某街道", 2023,
                                int(rng.integers(1, 30)), int(hh[i]), float(hh[i] * 70), float(planned[i]),
                                float(round(planned[i] * (0.6 if started[i] else 0.0), 2)),
                                "已完工" if done[i] else ("施工中" if started[i] else "未开工")])
        p = base + timedelta(days=int(ps[i]))
        ws.write_datetime(i + 2, 12, p, datefmt)
        if started[i]:
            ws.write_datetime(i + 2, 13, p + timedelta(days=3), datefmt)
        ws.write_datetime(i + 2, 14, p + timedelta(days=120), datefmt)
        if done[i] and p + timedelta(days=100) <= datetime(2023, 6, 30):
            ws.write_datetime(i + 2, 15, p + timedelta(days=100), datefmt)
        ws.write_row(i + 2, 16, [round(lon + float(rng.uniform(-0.01, 0.01)), 6),
                                 round(lat + float(rng.uniform(-0.01, 0.01)), 6), f"包{i // 3}",
                                 int(i % 7 == 0), "基础类", "张三"])
    wb.close()


def bare_read(path: Path) -> None:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def load() -> str:
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average ?"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {cpu}, Python {sys.version.split()[0]}"


def compare_small(small: Path, read_ledger, runs: int) -> None:
    t = time.perf_counter()
    r = read_ledger(small)
    cold = time.perf_counter() - t
    assert len(r.frame) == 1108, (len(r.frame), r.errors[:3])
    bare, full = [], []
    for _ in range(runs):          # interleaved, so background load hits both alike
        bare += timed(lambda: bare_read(small), 1)
        full += timed(lambda: read_ledger(small), 1)
    os.environ["LEDGER_PARSE_IN_PROCESS"] = "1"       # the same pipeline without the worker process
    inproc = []
    for _ in range(runs):
        inproc += timed(lambda: read_ledger(small), 1)
    del os.environ["LEDGER_PARSE_IN_PROCESS"]
    b, f = statistics.median(bare), statistics.median(full)
    ip = statistics.median(inproc)
    import python_calamine as pc

    sheets = len(pc.CalamineWorkbook.from_path(str(small)).sheet_names)
    print(f"1,108 rows x {len(_header())} columns, {sheets} sheet(s) ({small.stat().st_size / 1024:.0f} KB): "
          f"bare calamine {b * 1000:.1f} ms, read_ledger {f * 1000:.1f} ms (median of {runs}), "
          f"ratio {f / b:.2f}x; without the worker process (LEDGER_PARSE_IN_PROCESS=1) {ip * 1000:.1f} ms, "
          f"ratio {ip / b:.2f}x; first call incl. worker start {cold * 1000:.0f} ms; "
          f"{len(r.errors)} errors, {len(r.warnings)} warnings; {load()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows-large", type=int, default=220_000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--keep", help="keep the generated files in this directory (reused if present)")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_reader_"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}; {load()}")

    from loaders.reader import read_ledger

    # the case (ten district sheets), and the same rows in one sheet (no sheet-level parallelism)
    for small, by_district in ((tmp / "ledger_1108.xlsx", True), (tmp / "ledger_1108_one_sheet.xlsx", False)):
        write_workbook(small, 1108, sheets_by_district=by_district)
        compare_small(small, read_ledger, args.runs)

    big = tmp / f"national_{args.rows_large}.xlsx"
    t = time.perf_counter()
    if not big.exists():
        write_national(big, args.rows_large)
    gen = time.perf_counter() - t
    settings = tmp / "settings.toml"
    text = (ROOT / "config" / "settings.toml").read_text(encoding="utf-8")
    text = text.replace("max_file_mb = 20", "max_file_mb = 200")
    # on a busy shared machine the parse alone can take longer than the upload's 60 s: measure, not time out
    text = text.replace("parse_timeout_s = 60", "parse_timeout_s = 600")
    settings.write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LEDGER_SETTINGS": str(settings)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "loaders", "check", str(big), "--json"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = after.ru_maxrss / 1024
    import json

    try:
        rows = json.loads(proc.stdout)["rows"]
    except Exception:  # noqa: BLE001
        rows = f"? (exit {proc.returncode}: {proc.stderr.decode()[:200]})"
    bare_big = timed(lambda: bare_read(big), 1)[0]
    print(f"{args.rows_large:,} rows x 22 columns ({big.stat().st_size / 2**20:.1f} MB, generated in {gen:.0f} s): "
          f"`python -m loaders check --json` {wall:.2f} s wall, {cpu:.2f} s CPU (check + parser process, "
          f"interpreter start included), exit {proc.returncode}, "
          f"rows {rows}; peak memory {peak:.0f} MB (largest process); bare calamine read {bare_big:.2f} s; {load()}")


if __name__ == "__main__":
    main()
