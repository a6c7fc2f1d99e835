"""Header vocabulary (config/headers.toml): loose header matching, units, header-row detection."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from loaders import config
from loaders.schema import NODE_KEYS, actual_column, plan_column

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "［": "[", "］": "]", "〈": "(", "〉": ")"})
_BRACKET_RE = re.compile(r"[\(\[]([^\(\)\[\]]*)[\)\]]")
_SPACE_RE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")     # zero-width characters pasted from web pages too
_UNIT_PREFIX_RE = re.compile(r"^(单位|计量单位)[:：]?")
_MARKS_RE = re.compile(r"[*※★☆▲△●]")
# '截至目前累计完成投资', '截至5月底累计完成投资': a time prefix before the field's words
_AS_OF_PREFIX_RE = re.compile(r"^(?:(?:截至|截止|至)(?:目前|当前|现在|今|本周|本月|上周|上月|本年|今年|\d{4}年)?"
                              r"(?:\d{1,2}月)?(?:\d{1,2}日)?(?:底|末)?|(?:项目)?(?:自|从)?开工(?:以来|至今)?)")


_PROGRESS_AROUND_RE = re.compile(r"^(?:截至|截止)?(?:目前|当前|最新|现阶段|本周|本月|工程|项目|建设)+|(?:情况|描述|说明|状况|简述)+$")


@dataclass(frozen=True)
class ColumnSpec:
    field: str            # canonical column (schema), "plan_<node>"/"actual_<node>", "lonlat", "crs" or "ignored"
    kind: str             # id | text | district | year | int | number | money | area | status | lon | lat |
                          # lonlat | crs | plan | actual | ignored
    rank: int = 0         # position of the synonym in its list (lower is better)
    unit: str | None = None
    factor: float | None = None   # None: no unit written (money then uses the sheet default)
    crs: str | None = None
    required: bool = False
    sums: bool = False


@lru_cache(maxsize=None)
def vocabulary() -> dict:
    return config._read_toml(config.CONFIG_DIR / "headers.toml")


def norm(text) -> str:
    """NFKC (full-width -> half-width), lower case, no whitespace, unified brackets."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS).lower()
    s = _SPACE_RE.sub("", s)
    return _MARKS_RE.sub("", s) if "*" in s or not s.isascii() else s


def split_hints(text) -> tuple[str, list[str]]:
    """'计划投资(万元)' -> ('计划投资', ['万元']); bracket contents are hints (unit, crs, 计划/实际)."""
    s = norm(text)
    hints = [_UNIT_PREFIX_RE.sub("", h) for h in _BRACKET_RE.findall(s)]
    base = _BRACKET_RE.sub("", s)
    base = base.replace("(", "").replace(")", "").replace("[", "").replace("]", "")
    return base, [h for h in hints if h]


def flat(text) -> str:
    """The lookup key of a synonym: normalised, brackets removed, contents kept."""
    return re.sub(r"[\(\)\[\]]", "", norm(text))


@dataclass(frozen=True)
class Vocabulary:
    """config/headers.toml made ready for matching (every word normalised by norm())."""
    lookup: dict[str, ColumnSpec]                  # flat synonym -> its column (and "ignored" headers)
    units: dict[str, tuple[str, float, str]]       # unit -> (group money|area|count, factor to canonical, as written)
    crs_words: tuple[tuple[str, str], ...]         # (word, crs), longest first
    node_words: tuple[tuple[str, str], ...]        # (word, node key), longest first
    plan_words: tuple[str, ...]                    # 计划 …, longest first
    actual_words: tuple[str, ...]                  # 实际 …, longest first
    fillers: tuple[str, ...]                       # 时间, 日期 … around a node word
    unit_suffixes: tuple[str, ...]                 # units, longest first (计划投资万元)


@lru_cache(maxsize=None)
def words() -> Vocabulary:
    voc = vocabulary()
    lookup: dict[str, ColumnSpec] = {}
    for field, spec in voc["fields"].items():
        for rank, syn in enumerate(spec["synonyms"]):
            key = flat(syn)
            if key not in lookup:
                lookup[key] = ColumnSpec(field=field, kind=spec["kind"], rank=rank,
                                         required=bool(spec.get("required")), sums=bool(spec.get("sum")))
    for syn in voc["ignored"]["synonyms"]:
        lookup.setdefault(flat(syn), ColumnSpec(field="ignored", kind="ignored"))
    units = {}
    for group, table in voc["units"].items():
        for unit, factor in table.items():
            units[norm(unit)] = (group, float(factor), unit)
    crs_words = sorted(((norm(w), crs) for crs, ws in voc["crs_hints"].items() for w in ws), key=lambda x: -len(x[0]))
    ms = voc["milestones"]

    def longest_first(ws):
        return tuple(sorted((norm(w) for w in ws), key=len, reverse=True))
    return Vocabulary(
        lookup=lookup, units=units, crs_words=tuple(crs_words),
        node_words=tuple(sorted(((norm(w), k) for k in NODE_KEYS for w in ms.get(k, [])), key=lambda x: -len(x[0]))),
        plan_words=longest_first(ms["plan_words"]), actual_words=longest_first(ms["actual_words"]),
        fillers=longest_first(ms["filler_words"]), unit_suffixes=tuple(sorted(units, key=len, reverse=True)))


def with_unit(spec: ColumnSpec, unit: str) -> ColumnSpec:
    """The spec read in `unit` (a key of Vocabulary.units), when the unit suits its kind; else unchanged."""
    group, factor, _ = words().units[unit]
    return replace(spec, unit=unit, factor=factor) if unit_kind_ok(spec.kind, group) else spec


_UNIT_SEP_RE = re.compile(r"[,、;/:()\[\]]")


def unit_in_hint(hint: str, group: str | None = None) -> str | None:
    """The unit a normalised hint names: '万元'; '人民币元' -> '元'; '元,含税' -> '元'; '户、元' with
    group='money' -> '元'. None when it names none (of that group)."""
    units = words().units
    for token in [hint, *_UNIT_SEP_RE.split(hint)]:
        token = token.replace("人民币", "").replace("单位", "")
        if token in units and (group is None or units[token][0] == group):
            return token
    return None


def unit_kind_ok(kind: str, group: str) -> bool:
    return {"money": "money", "area": "area", "int": "count", "number": "count"}.get(kind) == group


def _crs_of(text: str) -> str | None:
    for word, crs in words().crs_words:
        if word and (text == word or (len(word) > 2 and word in text)):
            return crs
    return None


def _milestone(key: str) -> tuple[str | None, str] | None:
    """'计划开工时间' -> ('plan', 'start'), '开工时间' -> (None, 'start') (neither word written); None when the
    text is not a milestone header."""
    voc = words()
    for word, node in voc.node_words:
        if word in key:
            rest = key.replace(word, "", 1)
            which = None
            for pw in voc.plan_words:
                if pw in rest:
                    which, rest = "plan", rest.replace(pw, "", 1)
                    break
            if which is None:
                for aw in voc.actual_words:
                    if aw in rest:
                        which, rest = "actual", rest.replace(aw, "", 1)
                        break
            for f in voc.fillers:
                rest = rest.replace(f, "")
            if rest:
                return None
            return which, node
    return None


# 1.小区编号 / 1、小区编号 / 一、小区名称 / 累计完成投资：— numbering and a trailing colon are not the header
_DECORATION_RE = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[.、．]\s*(?=\D)|[:：]\s*$")


@lru_cache(maxsize=4096)
def match_header(text) -> ColumnSpec | None:
    """The canonical meaning of one header cell (or a two-row header joined), or None."""
    if text is None:
        return None
    text = _DECORATION_RE.sub("", str(text))
    voc = words()
    lookup, units = voc.lookup, voc.units
    base, hints = split_hints(text)
    if not base and not hints:
        return None
    unit = factor = crs = None
    other = []
    for h in hints:
        if unit is None and unit_in_hint(h):
            unit = unit_in_hint(h)
        elif _crs_of(h) and crs is None:
            crs = _crs_of(h)
        else:
            other.append(h)
    key = base + "".join(other)
    spec = lookup.get(key)
    if spec is None and other:           # 小区（项目）名称: contents kept in place
        def keep(m):
            inner = _UNIT_PREFIX_RE.sub("", m.group(1))
            return "" if (inner in units or _crs_of(inner)) else inner
        key2 = _BRACKET_RE.sub(keep, norm(text))
        key2 = re.sub(r"[\(\)\[\]]", "", key2)
        if key2 in lookup:
            key, spec = key2, lookup[key2]
    if spec is None and unit is None:
        for u in voc.unit_suffixes:          # 计划投资万元, 建筑面积m2
            if key.endswith(u) and key[: -len(u)] in lookup:
                unit, key = u, key[: -len(u)]
                spec = lookup[key]
                break
    if spec is None and key.endswith("金额") and lookup.get(key[:-2]) is not None:     # 总投资金额
        spec = lookup[key[:-2]] if lookup[key[:-2]].kind == "money" else None
    if spec is None:                     # 高德经度, 经度百度
        c = _crs_of(key)
        if c:
            for word, _crs in voc.crs_words:
                if word in key and key.replace(word, "") in lookup:
                    spec, crs = lookup[key.replace(word, "")], c
                    break
    if spec is None:
        m = _milestone(key)
        if m is None and other:          # 小区名称（必填）, 实际开工时间（格式：2023-01-01）: a note in brackets
            spec = lookup.get(base)
            m = None if spec is not None else _milestone(base)
        if spec is None and m is None:
            bare = _AS_OF_PREFIX_RE.sub("", key)
            if bare != key and bare:
                spec = lookup.get(bare)
                m = None if spec is not None else _milestone(bare)
        if spec is None and m is None:
            # 目前进展, 最新进展情况, 工程形象进度描述: a progress word between a 'now' word and a 'how' word
            bare = _PROGRESS_AROUND_RE.sub("", key)
            if bare != key and bare and (found := lookup.get(bare)) is not None and found.kind == "status":
                spec = found
    if spec is None and m is None and re.search(r"[-—–_/|]", key):
        # 资金来源-中央, 区/市, 开工时间—计划: the words joined, then the last part, then the first
        pieces = [p for p in re.split(r"[-—–_/|]+", key) if p]
        for cand in ("".join(pieces), pieces[-1] if pieces else "", pieces[0] if pieces else ""):
            if cand and cand != key:
                sub = match_header(cand)
                if sub is not None:
                    if unit is not None and sub.factor is None:
                        sub = with_unit(sub, unit)
                    if crs is not None and sub.crs is None:
                        sub = replace(sub, crs=crs)
                    return sub
    if spec is None and m is None and key.startswith("是否"):     # 是否开工 / 是否完成意愿征求: 是 | 否
        m2 = _milestone(key[2:])
        if m2 is not None and m2[0] != "plan":
            return ColumnSpec(field=f"flag_{m2[1]}", kind="flag")
    if spec is None:
        if m is None:
            return None
        which, node = m
        col = plan_column(node) if which == "plan" else actual_column(node)
        # 开工时间 (no 实际 written) is read as actual, but a column that says 实际 is the better one
        return ColumnSpec(field=col, kind=which or "actual", rank=0 if which else 1)
    if unit is not None:
        group, f, _ = units[unit]
        if unit_kind_ok(spec.kind, group):
            factor = f
        else:
            unit = None
    return ColumnSpec(field=spec.field, kind=spec.kind, rank=spec.rank, unit=unit, factor=factor, crs=crs,
                      required=spec.required, sums=spec.sums)


def required_fields() -> list[str]:
    return list(_required())


@lru_cache(maxsize=None)
def _required() -> tuple[str, ...]:
    return tuple(f for f, s in vocabulary()["fields"].items() if s.get("required"))


def field_label(field: str) -> str:
    spec = vocabulary()["fields"].get(field)
    return spec["label"] if spec else field


def field_synonyms(field: str, n: int = 4) -> list[str]:
    spec = vocabulary()["fields"].get(field)
    return list(spec["synonyms"][:n]) if spec else []


@lru_cache(maxsize=None)
def second_meanings() -> dict[str, str]:
    """flat header -> field it means when a better column already holds its first meaning (项目名称 -> bundle)."""
    return {flat(k): v for k, v in vocabulary().get("second_meaning", {}).items()}


def subtotal_words() -> list[str]:
    return list(vocabulary()["subtotals"]["words"])


def placeholder_words() -> list[str]:
    return list(_placeholders())


@lru_cache(maxsize=None)
def _placeholders() -> tuple[str, ...]:
    return tuple(norm(w) for w in vocabulary()["placeholders"]["words"])


@lru_cache(maxsize=None)
def status_words() -> tuple[tuple[str, int, int], ...]:
    """(normalised word, low, high), longest first."""
    items = [(norm(w), int(r[0]), int(r[1])) for w, r in vocabulary()["status_words"].items()]
    return tuple(sorted(items, key=lambda x: -len(x[0])))


_CRS_CELL_SUFFIX_RE = re.compile(r"(?:坐标系|坐标|经纬度|地图|拾取)+$")


def crs_from_text(text) -> str | None:
    """The coordinate system named by a cell of a 坐标系 column ('高德', 'BD09', 'WGS-84', '百度坐标', '高德地图'...)."""
    if text is None:
        return None
    key = norm(text)
    return _crs_of(key) or _crs_of(_CRS_CELL_SUFFIX_RE.sub("", key))


def score_row(cells) -> tuple[int, set]:
    """How header-like a row is: the number of distinct fields its cells name."""
    fields = set()
    for c in cells:
        if isinstance(c, str) and 0 < len(c) < 40 and (not c[:1].isdigit() or _DECORATION_RE.match(c)):
            spec = match_header(c)
            if spec is not None and spec.field != "ignored":
                fields.add(spec.field)
    return len(fields), fields
