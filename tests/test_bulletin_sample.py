"""The bulletin on the sample history (sample_data/ledgers read through the real reader), as of 2022-05-31 for
the 2022 batch: the article's figures, the same numbers as the dashboard's functions, and the rendered PDF.

The store is the shared session fixture `sample_db` (tests/conftest.py). Investment: the article's 7.0亿元
(+5.8亿元 on the 2021 batch) is its figure by the end of April; the sample ledgers book May's investment after the
month closes, so the bulletins of 2022-04-30 and of 2022-05-31 both state it, each from its own as-of value.
"""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document

from bulletin import content as bc
from bulletin import render
from bulletin.build import render_files
from metrics import numbers
from metrics.headline import headline, headline_sentence
from metrics.progress import district_progress

pytestmark = pytest.mark.slow

AS_OF = date(2022, 5, 31)


@pytest.fixture(scope="session")
def sample_store(sample_db):
    from loaders.store import LedgerStore

    return LedgerStore(sample_db)


@pytest.fixture(scope="session")
def sample_content(sample_store):
    return bc.build_content(sample_store, AS_OF, [2022])


@pytest.fixture(scope="session")
def sample_files(sample_content):
    images = render.chromium_path() is not None
    return render_files(sample_content, images=images)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_headline_says_300_started_and_94_3_percent(sample_content):
    text = sample_content.headline
    assert text.startswith("截至2022年5月31日，全市2022年度计划改造老旧小区318个，已开工300个、约")
    assert "开工率94.3%" in text


def test_headline_investment_is_the_as_of_value_with_the_previous_batch_a_year_earlier(sample_store,
                                                                                       sample_content):
    h = sample_content.figures["headline"]
    current = sample_store.ledger_as_of(AS_OF, [2022])
    year_ago = sample_store.ledger_as_of(date(2021, 5, 31), [2021])
    assert h.completed_investment_wan == pytest.approx(float(current["completed_investment_wan"].sum()))
    assert h.last_year_completed_investment_wan == pytest.approx(float(year_ago["completed_investment_wan"].sum()))
    assert f"累计完成投资{numbers.fmt_yi(h.completed_investment_wan)}，" \
           f"同比{numbers.fmt_money_change_yi(h.investment_yoy_wan)}。" in sample_content.headline


def test_end_of_may_bulletin_says_7_0_and_up_5_8(sample_content):
    assert "累计完成投资7.0亿元，同比增加5.8亿元。" in sample_content.headline


def test_end_of_april_bulletin_says_7_0_and_up_5_8(sample_store):
    april = bc.build_content(sample_store, date(2022, 4, 30), [2022])
    assert "累计完成投资7.0亿元，同比增加5.8亿元。" in april.headline


def test_bulletin_numbers_equal_the_dashboard_numbers(sample_store, sample_content):
    """ui.data computes the dashboard's headline and ranking with these same calls (as of the date, 7 days
    earlier, the previous batch a year earlier); the bulletin must print exactly their results."""
    current = sample_store.ledger_as_of(AS_OF, [2022])
    h = headline(current, sample_store.ledger_as_of(date(2022, 5, 24), [2022]),
                 sample_store.ledger_as_of(date(2021, 5, 31), [2021]))
    assert sample_content.figures["headline"] == h
    assert sample_content.headline == headline_sentence(h, AS_OF, 2022, "全市")
    progress = district_progress(current, AS_OF).sort_values("rank_start")
    table = sample_content.tables["ranking_start"]
    assert table.column_values("区（市）")[:-1] == list(progress["district"])
    assert table.column_values("开工率（%）")[:-1] == pytest.approx(list(progress["start_rate"]))
    assert table.column_values("预警")[:-1] == list(progress["light"])
    assert table.column_values("累计完成投资（万元）")[:-1] == pytest.approx(list(progress["completed_investment_wan"]))


def test_dashboard_cached_queries_give_the_same_figures(sample_store, sample_content, monkeypatch):
    """Through ui.data itself (the functions the pages call), outside Streamlit's runtime."""
    monkeypatch.setenv("LEDGER_DB", str(sample_store.path))
    from ui import data

    data.clear_after_import()
    version = data.version()
    args = (version, AS_OF.isoformat(), (2022,), ())
    assert data.headline(*args) == sample_content.figures["headline"]
    dash = data.progress(*args).sort_values("rank_start")
    assert list(dash["district"]) == sample_content.tables["ranking_start"].column_values("区（市）")[:-1]


def test_laixi_did_not_report_on_time(sample_content):
    stale = sample_content.figures["stale"]
    assert list(stale["district"]) == ["莱西市"]
    text = "".join(b.text for s in sample_content.sections for b in s.blocks if hasattr(b, "text"))
    assert "莱西市（最近一次为5月20日，已11天未更新）" in text
    assert "莱西市" in sample_content.wechat_text


def test_docx_headline_and_ranking_read_back(sample_files, sample_content):
    doc = Document(io.BytesIO(sample_files.docx))
    texts = [p.text for p in doc.paragraphs]
    assert sample_content.headline in texts
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows[1:]]
    assert [r[1] for r in rows][:-1] == sample_content.tables["ranking_start"].column_values("区（市）")[:-1]
    assert [r[0] for r in rows][:-1] == [str(i) for i in range(1, len(rows))]
    assert rows[-1][1:5] == ["合计", "318", "300", "94.3"]
    assert len(sample_files.text) <= 300


def test_pdf_of_the_sample_bulletin(sample_files, tmp_path):
    if render.soffice_path() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    docx = tmp_path / "sample.docx"
    docx.write_bytes(sample_files.docx)
    pdf = render.docx_to_pdf(docx)
    assert 3 <= render.pdf_page_count(pdf) <= 10
    text = squeeze(render.pdf_text(pdf))
    assert squeeze(sample_files.content.headline) in text
    assert "已开工300个" in text and "开工率94.3%" in text
