"""The reader's vocabularies on tiny inputs: title rows (截至 date, year, unit), the report date a person
types, and progress cells (status words, 形象进度 sentences, percentages). Table-driven: one line per case."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import ledger_builders as lb  # noqa: E402

from loaders.reader import parse_report_date, read_ledger  # noqa: E402
from loaders.reader.progress import progress_range  # noqa: E402
from loaders.reader.title import future_problem, title_info  # noqa: E402


# ------------------------------------------------------------------------------------------- title rows
@pytest.mark.parametrize("text, report_date, year, unit", [
    ("青岛市2023年城镇老旧小区改造项目台账 截至2023年6月30日", date(2023, 6, 30), 2023, None),
    ("截至2023年6月底 单位：万元", date(2023, 6, 30), None, 1.0),
    ("2022年改造项目 截至6月30日 单位：元", date(2022, 6, 30), 2022, 1e-4),
    ("截止日期：2023-05-31", date(2023, 5, 31), None, None),
    ("截至二〇二三年六月三十日", date(2023, 6, 30), None, None),
    ("截至23年6月30日", date(2023, 6, 30), None, None),
    ("截至2023年第二季度末", date(2023, 6, 30), None, None),
    ("截至2023年上半年", date(2023, 6, 30), None, None),
    ("截至2023年底", date(2023, 12, 31), None, None),
    ("青岛市老旧小区改造项目进度表（2023年6月30日）", date(2023, 6, 30), None, None),
    ("统计时间：2023.6.30 填报日期：2023年7月2日", date(2023, 6, 30), None, None),
    ("2021-2023年老旧小区改造计划 截至2023年6月30日", date(2023, 6, 30), None, None),
    ("填报单位：市北区住建局 单位：户、元", None, None, 1e-4),
])
def test_title_rows(text, report_date, year, unit):
    t = title_info(text)
    assert (t.report_date, t.year, t.unit) == (report_date, year, unit)


def test_title_date_without_year_and_impossible_date():
    assert title_info("截至6月30日").no_year is True
    bad = title_info("截至2023年6月31日")
    assert bad.report_date is None and bad.bad_report == "截至2023年6月31日" and bad.bad_reason == "2023年6月没有31日"


# ------------------------------------------------------------------------------------------- a typed date
@pytest.mark.parametrize("text, expected", [
    ("2023-06-30", date(2023, 6, 30)), ("2023/6/30", date(2023, 6, 30)), ("2023.6.30", date(2023, 6, 30)),
    ("2023年6月30日", date(2023, 6, 30)), ("20230630", date(2023, 6, 30)), (" 2023-6-30 ", date(2023, 6, 30)),
    ("２０２３－０６－３０", date(2023, 6, 30)), ("2023。6。30", date(2023, 6, 30)),
])
def test_parse_report_date(text, expected):
    assert parse_report_date(text) == expected


@pytest.mark.parametrize("text, says", [
    ("2023-06-31", "2023年6月没有31日"), ("2023-13-01", "月份13不存在"), ("2023-06", "只写了年月"),
    ("下周一", "无法识别的日期"), ("", "截至日期为空"),
])
def test_parse_report_date_refuses(text, says):
    with pytest.raises(ValueError) as exc:
        parse_report_date(text)
    assert says in str(exc.value) and str(exc.value).startswith(f"截至日期「{text}」无法识别")


# ------------------------------------------------------------------------------------------- future dates
def test_future_margin():
    today = date(2023, 6, 30)
    assert future_problem(today + timedelta(days=7), today) is None
    assert future_problem(today + timedelta(days=8), today).startswith("2023-07-08晚于今天（2023-06-30）7天以上")


def test_report_date_in_the_future_is_an_error(tmp_path):
    sheet = lb.standard_sheet()
    sheet[1] = ["填报单位：市北区住房和城乡建设局", None, None, None, "截至2030年1月1日"]
    r = read_ledger(lb.write_xlsx(tmp_path / "市北区.xlsx", {"市北区": sheet}))
    e = [e for e in r.errors if "将来" in e.message]
    assert len(e) == 1 and (e[0].sheet, e[0].row, e[0].value) == ("市北区", 2, "截至2030年1月1日")
    assert e[0].message.startswith("截至日期2030-01-01晚于今天")
    near = date.today() + timedelta(days=3)
    r = read_ledger(lb.write_xlsx(tmp_path / "近.xlsx", {"市北区": lb.standard_sheet(title=False)}), report_date=near)
    assert not [e for e in r.errors if "将来" in e.message]
    r = read_ledger(lb.write_xlsx(tmp_path / "远.xlsx", {"市北区": lb.standard_sheet(title=False)}),
                    report_date=date.today() + timedelta(days=30))
    assert [e.message[:9] for e in r.errors if "将来" in e.message] == ["指定的截至日期20"]


# ------------------------------------------------------------------------------------------- progress cells
N = {"survey": 1, "consultation": 2, "design": 3, "approval": 4, "tender": 5, "start": 6, "completion": 7,
     "acceptance": 8}


@pytest.mark.parametrize("text, lo, hi, doubt", [
    ("未开工", 0, 5, None), ("施工中", 6, 6, None), ("已完工", 7, 8, None), ("已验收", 8, 8, None),
    ("完工待验收", 7, 7, None), ("招标完成", 5, 5, None), ("正在办理立项", 3, 3, None), ("计划6月开工", 0, 5, None),
    ("进度80%", 6, 6, None), ("完成工程量的60%", 6, 6, None), ("已立项，正在招标", 4, 4, None),
    ("已完成立项", 4, 5, None),
    # a design done while the construction permit is applied for: not started
    ("设计完成，正在办理施工许可", 3, 3, None), ("方案设计已完成，施工许可证正在申请", 3, 3, None),
    ("施工许可办理中", 0, 5, None), ("已取得施工许可证", 5, 5, None),
    # part of the works done, the rest under way: started, not completed
    ("屋面防水完成，外立面正在施工", 6, 6, None), ("屋面防水已完成，外墙保温施工中", 6, 6, None),
    ("部分楼栋完工", 6, 6, None), ("已开工，部分楼栋完工", 6, 6, None),
    # one item done and nothing said of the rest: started; whether completed the words do not say
    ("管网改造完成", 6, 8, "item"), ("已完成", 7, 8, None),
])
def test_progress_sentences(text, lo, hi, doubt):
    from loaders.headers import norm
    assert tuple(progress_range(norm(text))) == (lo, hi, doubt)


@pytest.mark.parametrize("header", ["目前进展", "目前进展情况", "最新进展", "进展描述", "形象进度描述", "工程形象进度",
                                    "当前形象进度", "进展状况", "建设进度"])
def test_progress_headers(header):
    from loaders.headers import match_header
    assert match_header(header).field == "status_text"


def _progress_ledger(tmp_path, header, statuses):
    head = ["小区编号", "小区名称", "所属区市", "改造年度", "户数", "总投资（万元）", "累计完成投资（万元）", header]
    rows = [[f"SB-{k}", f"小区{k}", "市北区", 2023, 300, 500, 100, s] for k, s in enumerate(statuses, start=1)]
    return read_ledger(lb.write_xlsx(tmp_path / "p.xlsx", {"市北区": [["截至2023年6月30日"], head, *rows]}))


def test_progress_column_decides_and_ambiguous_sentences_are_named(tmp_path):
    r = _progress_ledger(tmp_path, "目前进展", ["设计完成，正在办理施工许可", "屋面防水完成，外立面正在施工",
                                              "管网改造完成", "已完工"])
    assert r.errors == []
    assert r.frame["status"].tolist() == ["方案设计", "开工", "开工", "完工"]
    doubt = [(w.row, w.value) for w in r.warnings if "无法判断是否已全部完工" in w.message]
    assert doubt == [(5, "管网改造完成")]
