"""Text from a ledger or a file name, made safe for each place it is shown: one rule per kind of output.

Every sink interprets something, so every string that came from a file passes through the rule of the sink it
goes to, exactly once, at the place the sink is fed (docs/security.md lists them):

- ``deck_text``      pydeck / deck.gl JSON: Streamlit's JSONConverter walks the whole deck JSON, layer data
                     included, and turns a string starting with ``@@=`` into a function and ``@@#`` into a constant.
- ``plotly_text``    plotly titles, tick labels, legend names, hover text: plotly renders a subset of HTML
                     (``<b>``, ``<a href>``, ``<br>``), decodes only a few entities, and typesets ``$…$`` as TeX.
- ``markdown_text``  st.markdown, st.caption, st.error/warning/success/info, widget labels: Streamlit renders
                     CommonMark, KaTeX ``$…$``, ``:red[…]`` directives, ``:emoji:`` and ``:material/…:`` icons.
- ``document_text``  the bulletin's Word, Excel and work-group text: nothing is interpreted there, but XML cannot
                     hold control characters and a 10,000-character name must not fill forty pages.
Spreadsheet formulas are the exports' own rule (exports.safety).

Right-to-left overrides are kept (text is shown as written) but isolated, so they cannot reorder the sentence
around them.
"""
from __future__ import annotations

import re

import pandas as pd

MISSING = "—"

# deck.gl's JSONConverter only looks at the start of a string ("@@=", "@@#"). A WORD JOINER in front is
# invisible, keeps the text as written on screen, and makes the converter see a plain string.
_DECK_NEUTRAL = _WORD_JOINER = "\u2060"
_DECK_PREFIX = "@@"

# Characters that start a bidirectional embedding or override; text holding one is wrapped in FSI … PDI.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_FSI, _PDI = "\u2068", "\u2069"

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it also covers Streamlit's own
# syntax (":red[…]", ":material/…:", "$…$") without a list of what today's renderer happens to support.
_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
# Streamlit links bare addresses (http://…, www.…, a@b.c) after markdown is parsed, escaped or not: an invisible
# WORD JOINER before ":" and "@" and after "www" breaks the pattern and leaves the text as written.
_AUTOLINK_BREAKS = re.compile(r"(?=[:@])|(?i:(?<=www))(?=\.)")

# Characters XML 1.0 cannot hold at all (python-docx and XlsxWriter would fail or write a broken file).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# A bulletin cell or sentence longer than this is cut; the document says so (bulletin.content).
DOCUMENT_TEXT_LIMIT = 60
ELLIPSIS = "…"


def is_missing(value) -> bool:
    return value is None or value is pd.NA or (not isinstance(value, str) and bool(pd.isna(value)))


def _text(value) -> str:
    return MISSING if is_missing(value) else str(value)


def _isolated(text: str) -> str:
    return f"{_FSI}{text}{_PDI}" if _BIDI_CONTROLS.search(text) else text


# --------------------------------------------------------------------------------------------------- deck.gl
def deck_text(value) -> str:
    """Text for a deck's data (tooltip fields, labels, ids): shown by deck.gl as written, never evaluated."""
    text = _text(value)
    return _DECK_NEUTRAL + text if text.startswith(_DECK_PREFIX) else text


def from_deck_text(value: str) -> str:
    """The original text of a deck_text value (a picked object's id)."""
    return value[1:] if value.startswith(_DECK_NEUTRAL + _DECK_PREFIX) else value


def deck_data(data):
    """deck_text over every string of a layer's data (lists and dicts walked), numbers left alone; the one
    place a deck's data is made inert, whatever fields a layer carries."""
    if isinstance(data, str):
        return deck_text(data)
    if isinstance(data, dict):
        return {key: deck_data(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [deck_data(value) for value in data]
    return data


# ---------------------------------------------------------------------------------------------------- plotly
_PLOTLY_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "$": "&#36;"})


def plotly_text(value) -> str:
    """Text for plotly: `&`, `<`, `>` as the three entities plotly decodes, `$` as a numeric entity (plotly
    looks for TeX before it decodes entities). Quotes are left as they are: plotly does not decode `&quot;`."""
    return _isolated(_text(value).translate(_PLOTLY_ESCAPES))


def plotly_texts(values) -> list[str]:
    """plotly_text over a column, once per distinct value."""
    cache: dict = {}
    out = []
    for value in values:
        key = MISSING if is_missing(value) else value
        if key not in cache:
            cache[key] = plotly_text(key)
        out.append(cache[key])
    return out


# -------------------------------------------------------------------------------------------------- markdown
def markdown_text(value) -> str:
    """Plain text for a Streamlit element that renders markdown: every ASCII punctuation mark backslash-escaped,
    bare addresses broken with a WORD JOINER, line breaks as spaces (markdown shows a single line break as a
    space anyway, and a blank line would start a new block)."""
    text = _AUTOLINK_BREAKS.sub(_WORD_JOINER, _LINE_BREAKS.sub(" ", _text(value)))
    return _isolated(_MARKDOWN_SPECIAL.sub(r"\\\1", text))


# -------------------------------------------------------------------------------------------------- document
def document_text(value, limit: int | None = DOCUMENT_TEXT_LIMIT) -> str:
    """Text for the bulletin's files: characters XML cannot hold dropped, line breaks as spaces, and at most
    `limit` characters (cut with "…"; None: no limit)."""
    text = _LINE_BREAKS.sub(" ", _XML_INVALID.sub("", _text(value)))
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + ELLIPSIS
    return text


def is_cut(value, limit: int | None = DOCUMENT_TEXT_LIMIT) -> bool:
    """Whether document_text(value, limit) had to cut `value`."""
    return limit is not None and not is_missing(value) and len(document_text(value, None)) > limit
