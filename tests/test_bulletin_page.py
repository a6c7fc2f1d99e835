"""The 通报 page through AppTest, on the tiny stored history (LEDGER_DB points at it)."""
from __future__ import annotations

import io
import re
import threading
import zipfile
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from bulletin import content as bc
from bulletin import render
from metrics.headline import headline, headline_sentence
from metrics.progress import district_progress
from ui import bulletin_files

from test_bulletin_fixtures import D24, D31, own_tiny_store, tiny_store  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_db(own_tiny_store, monkeypatch):
    import streamlit as st

    # copies share the store's version (its cache key): results cached by an earlier test must not be served
    st.cache_data.clear()
    st.cache_resource.clear()
    assert bulletin_files.wait_all(timeout=120)   # and so are the files built in the background
    bulletin_files.clear()
    monkeypatch.setenv("LEDGER_DB", str(own_tiny_store.path))
    yield own_tiny_store
    assert bulletin_files.wait_all(timeout=120)


@pytest.fixture
def downloads(monkeypatch):
    """Every file handed to a download button: filename -> bytes."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            seen[filename] = path_or_data if isinstance(path_or_data, bytes) else b""
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return seen


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/bulletin.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def with_files(at: AppTest) -> AppTest:
    """The page again once the background worker has built the Word, Excel and image files."""
    assert bulletin_files.wait_all(timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def docx_text(data: bytes) -> str:
    """The text of a .docx: a zip whose word/document.xml holds the paragraphs (runs stripped of their tags)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode("utf-8"))


def shown_markdown(at) -> list[str]:
    """The page's markdown as it reads on screen: the preview escapes every punctuation mark (figures.text)."""
    return [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown]


@pytest.mark.slow
def test_page_shows_the_headline_and_offers_every_file(tiny_db, downloads):
    at = with_files(open_page())
    texts = shown_markdown(at)
    expected = headline_sentence(headline(tiny_db.ledger_as_of(D31, [2022]), tiny_db.ledger_as_of(D24, [2022]),
                                          tiny_db.ledger_as_of("2021-05-31", [2021])), D31, 2022, "全市")
    assert expected in texts                     # the same sentence the dashboard's functions give
    assert "已开工8个" in expected and "开工率66.7%" in expected
    shown = labels(at)
    assert shown[:2] == ["通报（Word）", "表格（Excel）"] and shown[-1] == "工作群文字（TXT）"
    stem = "老旧小区改造周通报_20220531_第3期"
    assert downloads[f"{stem}.docx"][:2] == b"PK" and len(downloads[f"{stem}.docx"]) > 10_000
    assert expected in docx_text(downloads[f"{stem}.docx"])      # a real Word document, with the page's headline
    assert downloads[f"{stem}.xlsx"][:2] == b"PK" and len(downloads[f"{stem}.xlsx"]) > 3_000
    assert downloads[f"{stem}_工作群.txt"].decode("utf-8").startswith("【老旧小区改造周通报第3期】")
    pngs = sorted(name for name in downloads if name.endswith(".png"))
    if render.chromium_path() is None:          # no charts without a browser (see the test below)
        assert shown[2:-1] == [] and pngs == []
    else:
        assert shown[2:-1] == ["图1 图片（PNG）", "图2 图片（PNG）"]
        assert pngs == [f"{stem}_图1_累计完成投资走势（与上年同期对比，亿元）.png", f"{stem}_图2_各区（市）开工率与序时进度.png"]
        assert all(downloads[name][:8] == b"\x89PNG\r\n\x1a\n" and len(downloads[name]) > 20_000 for name in pngs)
    assert at.text_area(key="bulletin_wechat").value.startswith("【老旧小区改造周通报第3期】截至2022年5月31日")


@pytest.mark.slow
def test_page_ranking_preview_matches_the_dashboard_ranking(tiny_db):
    at = open_page()
    frames = [d.value for d in at.dataframe]
    ranking = frames[0].data if hasattr(frames[0], "data") else frames[0]
    progress = district_progress(tiny_db.ledger_as_of(D31, [2022]), D31).sort_values("rank_start")
    assert list(ranking["区（市）"])[:-1] == list(progress["district"])
    assert list(ranking["开工率（%）"]) == ["100.0", "60.0", "33.3", "66.7"]


@pytest.mark.slow
def test_page_for_a_past_date_regenerates_that_week(tiny_db, downloads):
    at = with_files(open_page({"batch": "2022", "date": "2022-05-24"}))
    past = bc.build_content(tiny_db, D24)
    texts = shown_markdown(at)
    assert past.headline in texts
    assert "截至2022年5月24日" in past.headline
    assert any(name.startswith("老旧小区改造周通报_20220524_第2期") for name in downloads)


@pytest.mark.slow
def test_page_without_chromium_offers_the_document_without_charts(tiny_db, downloads, monkeypatch):
    monkeypatch.setattr(render, "chromium_path", lambda: None)
    at = with_files(open_page())
    assert any("未找到系统 Chromium" in w.value and "本期通报暂不含图表" in w.value for w in at.warning)
    assert labels(at) == ["通报（Word）", "表格（Excel）", "工作群文字（TXT）"]
    assert not [name for name in downloads if name.endswith(".png")]
    assert any(text.startswith("截至2022年5月31日，全市2022年度计划改造老旧小区12个") for text in shown_markdown(at))


@pytest.fixture
def held_worker(monkeypatch):
    """The background worker held until the test releases it; counts the bulletins it renders."""
    release, calls = threading.Event(), []
    original = bulletin_files.render_files

    def held(content, *, images=True):
        calls.append((content.file_stem, images))
        assert release.wait(timeout=120)
        return original(content, images=images)

    monkeypatch.setattr(bulletin_files, "render_files", held)
    yield release, calls
    release.set()


@pytest.mark.slow
def test_page_shows_the_preview_while_the_files_are_built_and_one_job_serves_every_session(tiny_db, downloads,
                                                                                          held_worker):
    release, calls = held_worker
    at = open_page()
    sentence = bc.build_content(tiny_db, D31).headline
    assert sentence in shown_markdown(at)                  # the preview is there before any file
    assert at.text_area(key="bulletin_wechat").value.startswith("【老旧小区改造周通报第3期】")
    assert labels(at) == ["工作群文字（TXT）"]                # only the text, which needs no rendering
    assert any(c.value.startswith("正在生成 Word、Excel 文件和图表图片") for c in at.caption)
    assert not [name for name in downloads if name.endswith((".docx", ".xlsx"))]
    second = open_page()                                   # another session, and a rerun, on the same bulletin
    second.run()
    assert labels(second) == ["工作群文字（TXT）"]
    assert [t.name for t in threading.enumerate() if t.name.startswith("bulletin-files")] != []
    assert len([t for t in threading.enumerate() if t.name.startswith("bulletin-files")]) <= bulletin_files.WORKERS
    release.set()
    with_files(at)
    assert calls == [("老旧小区改造周通报_20220531_第3期", True)]   # one render for both sessions
    assert labels(at)[:2] == ["通报（Word）", "表格（Excel）"]
    assert sentence in docx_text(downloads["老旧小区改造周通报_20220531_第3期.docx"])
    with zipfile.ZipFile(io.BytesIO(downloads["老旧小区改造周通报_20220531_第3期.xlsx"])) as z:
        assert "xl/workbook.xml" in z.namelist()
    back = open_page()                                     # a return to the page: the files at once, no new job
    assert labels(back)[:2] == ["通报（Word）", "表格（Excel）"]
    assert not any(c.value.startswith("正在生成") for c in back.caption)
    assert len(calls) == 1


@pytest.mark.slow
def test_a_failing_worker_shows_a_chinese_message_with_an_incident_id_and_a_retry(tiny_db, monkeypatch,
                                                                                 incident_log):
    original = bulletin_files.render_files

    def broken(content, *, images=True):
        raise ValueError("docx boom")

    monkeypatch.setattr(bulletin_files, "render_files", broken)
    at = with_files(open_page())
    assert bc.build_content(tiny_db, D31).headline in shown_markdown(at)   # the preview does not depend on it
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("通报文件生成失败，未能提供下载（错误编号 E")
    assert "boom" not in errors[0] and "Traceback" not in errors[0]
    assert labels(at) == ["工作群文字（TXT）"]
    incident = re.search(r"（错误编号 (E\d{8}-\d{6}-[0-9a-f]{4})）", errors[0]).group(1)
    log = (incident_log / "incidents.log").read_text(encoding="utf-8")
    entry = log[log.index(f"=== {incident} "):]
    assert "bulletin files 老旧小区改造周通报_20220531_第3期" in entry.splitlines()[0]
    assert "ValueError: docx boom" in entry
    monkeypatch.setattr(bulletin_files, "render_files", original)   # fixed: 重新生成 builds the files again
    at.button(key="bulletin_retry").click().run()
    with_files(at)
    assert not at.error and labels(at)[:2] == ["通报（Word）", "表格（Excel）"]
