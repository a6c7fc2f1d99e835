"""figures/text.py, one rule per sink, over every hostile name (the browser tests show the rules hold on screen)."""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

from figures.text import (DOCUMENT_TEXT_LIMIT, deck_data, deck_text, document_text, from_deck_text, is_cut,
                          markdown_text, plotly_text)

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))
from hostile_names import HOSTILE_NAMES, LONG_NAME  # noqa: E402

INVISIBLE = "\u2060\u2068\u2069"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_deck_text_never_starts_a_deck_expression_and_round_trips(name):
    text = deck_text(name)
    assert not text.startswith("@@")
    assert text.lstrip("\u2060") == name and from_deck_text(text) == name


def test_deck_data_walks_records_and_geojson_and_leaves_numbers():
    data = {"features": [{"properties": {"name": "@@=lon", "fill": [1, 2, 3]}}], "n": 5, "x": 1.5}
    assert deck_data(data) == {"features": [{"properties": {"name": "\u2060@@=lon", "fill": [1, 2, 3]}}],
                               "n": 5, "x": 1.5}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_plotly_text_has_no_tag_no_tex_and_decodes_to_the_name(name):
    text = plotly_text(name)
    assert "<" not in text and ">" not in text and "$" not in text
    # plotly decodes &amp; &lt; &gt; and numeric entities, once: that gives the name back.
    decoded = re.sub(r"&(amp|lt|gt|#36);", lambda m: {"amp": "&", "lt": "<", "gt": ">", "#36": "$"}[m.group(1)], text)
    assert decoded.strip(INVISIBLE) == name
    assert "&quot;" not in text or "&quot;" in name


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_markdown_text_escapes_every_ascii_punctuation_mark(name):
    text = markdown_text(name)
    assert "\n" not in text and "\r" not in text
    # Read left to right: each ASCII punctuation mark is a backslash escape, and nothing else is punctuation.
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", text), text[:80]
    assert re.sub(r"\\(.)", r"\1", text).replace("\u2060", "").strip("\u2068\u2069") == re.sub(r"[\r\n]+", " ", name)


def test_markdown_text_breaks_bare_addresses():
    assert "http\u2060\\:" in markdown_text("http://example.invalid")
    assert "www\u2060\\." in markdown_text("www.example.invalid")
    assert "a\u2060\\@b" in markdown_text("a@b.cn")


def test_bidi_controls_are_isolated():
    assert markdown_text("\u202e区南市").startswith("\u2068") and plotly_text("\u202e区南市").endswith("\u2069")
    assert markdown_text("区南市") == "区南市"


def test_document_text_cuts_long_text_and_drops_xml_invalid_characters():
    assert document_text(LONG_NAME) == LONG_NAME[:DOCUMENT_TEXT_LIMIT - 1] + "…" and is_cut(LONG_NAME)
    assert document_text("控制\x00字符\x07") == "控制字符" and not is_cut("控制\x00字符\x07")
    assert document_text("第一行\n第二行") == "第一行 第二行"
    assert document_text("<b>加粗</b>") == "<b>加粗</b>" == html.unescape(document_text("<b>加粗</b>"))
