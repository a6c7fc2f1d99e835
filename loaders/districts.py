"""District names: official names, names without 区/市, aliases from config/districts.toml."""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from loaders import config
from loaders.headers import norm


def _lookup() -> dict[str, str]:
    return _lookup_of(config.hierarchy())


@lru_cache(maxsize=8)   # keyed by the configuration: a test or a settings change may switch it
def _lookup_of(h: config.Hierarchy) -> dict[str, str]:
    table: dict[str, str] = {}
    for d in (d for c in h.cities for d in c.districts):
        city = norm(d.city)
        names = [d.name, *d.aliases]
        if d.name[-1] in "区市县" and len(d.name) > 2:
            names.append(d.name[:-1])
        for n in names:
            k = norm(n)
            table.setdefault(k, d.name)
            table.setdefault(city + k, d.name)          # 青岛市市北区
            table.setdefault(city.rstrip("市") + k, d.name)  # 青岛市北区 is ambiguous but harmless
    return table


_CODE_RE = re.compile(r"^(\d{6})(?:\d{3}|\d{6})?(?:\.0+)?$")      # 370203, 370203000, 370203000000


def _by_code() -> dict[str, str]:
    return _by_code_of(config.hierarchy())


@lru_cache(maxsize=8)
def _by_code_of(h: config.Hierarchy) -> dict[str, str]:
    return {d.code: d.name for c in h.cities for d in c.districts}


def canonical(value) -> str | None:
    """Official name of a district written any accepted way (also its administrative code), or None."""
    if value is None:
        return None
    k = norm(value)
    if not k:
        return None
    code = _CODE_RE.match(k)
    if code:                                  # systems export the division code instead of the name
        return _by_code().get(code.group(1))
    hit = _lookup().get(k)
    if hit is None:
        k2 = re.sub(r"[\(\[].*?[\)\]]", "", k)  # 市北区（原四方区）
        hit = _lookup().get(k2)
    return hit


def canonical_array(values: np.ndarray) -> np.ndarray:
    """canonical() of an object array (None for empty / unknown), once per distinct value."""
    codes, uniq = pd.factorize(values)
    names = np.array([canonical(u) for u in uniq] + [None], dtype=object)
    return names[codes]


def _longest_first() -> tuple[tuple[str, str], ...]:
    return _longest_first_of(config.hierarchy())


@lru_cache(maxsize=8)
def _longest_first_of(h: config.Hierarchy) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in sorted(_lookup_of(h).items(), key=lambda kv: -len(kv[0])) if len(k) >= 2)


def find_in_text(text: str) -> str | None:
    """The single district named in a free text (sheet name, title, file name), or None if none/several."""
    if not text:
        return None
    t = norm(text)
    found = set()
    for k, name in _longest_first():
        if k in t:
            found.add(name)
    return found.pop() if len(found) == 1 else None


def official_names() -> list[str]:
    return config.district_names()
