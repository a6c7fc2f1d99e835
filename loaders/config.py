"""Settings and reference data declared in config/*.toml, so a bureau can edit them without code."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "config"
# The bundled settings: every key has its default here; a deployment's file only needs what it changes.
DEFAULT_SETTINGS = CONFIG_DIR / "settings.toml"


class ConfigError(Exception):
    """A configuration file is missing, unreadable or incomplete; str(exc) is Chinese and names the file."""


def _resolve(path: str | Path) -> Path:
    """A path written in a settings file: relative to the project root, wherever the program is started."""
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p


def _env_path(name: str) -> Path | None:
    """A path given in an environment variable: relative to the current directory, like a command-line path."""
    value = os.environ.get(name)
    return Path(value).absolute() if value else None


@lru_cache(maxsize=None)
def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {path}（{type(exc).__name__}）。请检查该文件的访问权限。") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib gives the place only inside its English message: "… (at line 3, column 7)"
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        where = f"第{m.group(1)}行第{m.group(2)}列" if m else "末尾"
        raise ConfigError(f"配置文件 {path} {where}不符合 TOML 格式，请检查该处的等号、引号和方括号是否完整。"
                          ) from None


def _merged(defaults: dict, override: dict, path: Path, prefix: str = "") -> dict:
    out = dict(defaults)
    for key, value in override.items():
        if isinstance(defaults.get(key), dict):
            if not isinstance(value, dict):
                raise ConfigError(f"配置文件 {path} 中的 {prefix}{key} 应为一节（[{prefix}{key}]），而不是单个值。")
            value = _merged(defaults[key], value, path, f"{prefix}{key}.")
        out[key] = value
    return out


@lru_cache(maxsize=None)
def _settings(chosen: Path | None) -> dict:
    defaults = _read_toml(DEFAULT_SETTINGS)
    if chosen is None:
        return defaults
    if not chosen.is_file():
        raise ConfigError(f"找不到配置文件 {chosen}（环境变量 LEDGER_SETTINGS 指定）。"
                          f"请检查该变量，或删除它以使用默认配置 {DEFAULT_SETTINGS}。")
    return _merged(defaults, _read_toml(chosen), chosen)


def settings() -> dict:
    """The bundled config/settings.toml with the file named by LEDGER_SETTINGS (if any) merged over it."""
    return _settings(_env_path("LEDGER_SETTINGS"))


def _setting(section: str, key: str):
    try:
        return settings()[section][key]
    except KeyError:
        named = _env_path("LEDGER_SETTINGS") or DEFAULT_SETTINGS
        raise ConfigError(f"配置文件 {named} 缺少 [{section}] 中的 {key}（默认配置 {DEFAULT_SETTINGS} 中也没有）。"
                          ) from None


def store_path() -> Path:
    """Where the snapshot store lives: LEDGER_DB, else settings [store] path."""
    return _env_path("LEDGER_DB") or _resolve(_setting("store", "path"))


SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target) -> bool:
    return isinstance(target, str) and target.strip().lower().startswith(SERVER_SCHEMES)


def store_target() -> str | Path:
    """The store to open (loaders.stores.open_store): a PostgreSQL URL from LEDGER_DB or settings
    [store] url, else the SQLite file of store_path(). LEDGER_DB, whichever kind, wins over the settings."""
    value = os.environ.get("LEDGER_DB", "")
    if is_server_url(value):
        return value.strip()
    url = "" if value else str(settings().get("store", {}).get("url", "")).strip()
    return url if is_server_url(url) else store_path()


def store_is_configured() -> bool:
    """True when a deployment names its store (LEDGER_DB, or [store] path in its own settings file). Only an
    unconfigured installation runs on the demo store seeded from the sample ledgers."""
    if os.environ.get("LEDGER_DB"):
        return True
    chosen = _env_path("LEDGER_SETTINGS")
    if chosen is None:
        return False
    settings()  # reports a missing or broken settings file in Chinese
    return bool({"path", "url"} & set(_read_toml(chosen).get("store", {})))


def log_dir() -> Path:
    """Where incident logs go (loaders.incidents): LEDGER_LOG_DIR, else settings [log] dir."""
    return _env_path("LEDGER_LOG_DIR") or _resolve(_setting("log", "dir"))


def sample_ledgers_dir() -> Path:
    return _resolve(_setting("store", "sample_ledgers"))


def boundaries_path() -> Path:
    return _resolve(_setting("geodata", "boundaries"))


def boundaries_name_field() -> str:
    return _setting("geodata", "name_field")


def tile_url() -> str:
    return _setting("map", "tile_url")


def upload_limits() -> dict:
    return settings().get("upload", {})   # loaders.safety has a default for every limit


def bulletin_office() -> str:
    return _setting("bulletin", "office")


def default_crs() -> str:
    return _setting("coordinates", "default_crs")


def validate() -> None:
    """Read every setting and reference file once, so that a broken configuration is reported as such
    before a ledger is read (the reader reports any failure inside it as an unreadable ledger)."""
    for read in (store_path, log_dir, sample_ledgers_dir, boundaries_path, boundaries_name_field, tile_url, default_crs,
                 hierarchy, area_name, city_bbox, warning_rules):
        read()


def warning_rules() -> dict:
    return _read_toml(CONFIG_DIR / "warnings.toml")


@dataclass(frozen=True)
class District:
    code: str
    name: str
    aliases: tuple[str, ...]
    city: str                       # the city (市) it belongs to


@dataclass(frozen=True)
class City:
    name: str
    districts: tuple[District, ...]
    bbox: tuple[float, float, float, float]     # min_lon, min_lat, max_lon, max_lat (WGS-84)
    boundaries: Path                            # its districts' polygons (GeoJSON)
    source: Path                                # the districts file it was read from


@dataclass(frozen=True)
class Hierarchy:
    """The area the bureau serves: one city (province None, as in the bundled configuration) or a province of
    cities, each with its own districts file and boundary file (settings [province] file)."""
    province: str | None
    cities: tuple[City, ...]

    @property
    def name(self) -> str:
        return self.province or self.cities[0].name


DISTRICTS_FILE = CONFIG_DIR / "districts.toml"
_BBOX_KEYS = ("min_lon", "min_lat", "max_lon", "max_lat")


def _key(data: dict, key: str, path: Path, where: str = ""):
    if key not in data:
        raise ConfigError(f"配置文件 {path} {where}缺少 {key}。")
    return data[key]


def _city(path: Path, boundaries: Path, expected: str | None = None, where: str = "") -> City:
    """One city's districts file (config/districts.toml layout). `expected`: the name the province file gives
    it; the file must name the same city, or the two files disagree about which city this is."""
    data = _read_toml(path)
    name = _key(data, "city", path)
    if expected is not None and name != expected:
        raise ConfigError(f"区市文件 {path} 的 city = “{name}”不是省级配置中的城市：{where}写的是“{expected}”。"
                          f"请让两处城市名一致。")
    box = _key(data, "bbox", path)
    try:
        bbox = tuple(float(box[k]) for k in _BBOX_KEYS)
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"配置文件 {path} 的 bbox 应写成 {{ min_lon = …, min_lat = …, max_lon = …, max_lat = … }}。"
                          ) from None
    rows = _key(data, "district", path)
    out = []
    for i, d in enumerate(rows, 1):
        code, dname = (_key(d, k, path, f"第{i}个 [[district]] ") for k in ("code", "name"))
        out.append(District(str(code), str(dname), tuple(d.get("aliases", ())), name))
    return City(name, tuple(out), bbox, boundaries, path)


def _province_file() -> Path | None:
    value = str(settings().get("province", {}).get("file", "") or "").strip()
    return _resolve(value) if value else None


@lru_cache(maxsize=None)
def _hierarchy(province_file: Path | None, boundaries: Path) -> Hierarchy:
    if province_file is None:
        return Hierarchy(None, (_city(DISTRICTS_FILE, boundaries),))
    data = _read_toml(province_file)
    province = _key(data, "province", province_file)
    entries = _key(data, "city", province_file)
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"配置文件 {province_file} 应以 [[city]] 列出至少一个城市。")
    cities: list[City] = []
    for i, entry in enumerate(entries, 1):
        where = f"第{i}个 [[city]] "
        name, districts_file, boundary_file = (_key(entry, k, province_file, where)
                                               for k in ("name", "districts", "boundaries"))
        if any(c.name == name for c in cities):
            raise ConfigError(f"配置文件 {province_file} 中城市“{name}”出现了两次（{where}name）。")
        cities.append(_city(_resolve(districts_file), _resolve(boundary_file), name, f"{province_file} 的{where}name "))
    _check_unique_districts(province_file, cities)
    return Hierarchy(str(province), tuple(cities))


def _check_unique_districts(province_file: Path, cities: list[City]) -> None:
    """A district (by name or by administrative code) belongs to one city: else a ledger of it could not be
    counted to a city."""
    seen: dict[str, City] = {}
    for city in cities:
        for d in city.districts:
            for key, label in ((d.name, f"name = “{d.name}”"), (d.code, f"code = “{d.code}”")):
                other = seen.setdefault(key, city)
                if other is not city:
                    raise ConfigError(f"区市 {label} 同时属于“{other.name}”（{other.source}）和“{city.name}”"
                                      f"（{city.source}）：每个区市只能属于一个城市。请检查配置文件 {province_file} "
                                      f"中 [[city]] districts 指向的这两个区市文件的 [[district]] {label.split()[0]}。")


def hierarchy() -> Hierarchy:
    """The configured province → city → district levels (cached per province file and boundary file)."""
    return _hierarchy(_province_file(), boundaries_path())


def is_province() -> bool:
    return hierarchy().province is not None


def area_name() -> str:
    """What the whole dashboard covers: the province's name at province level, else the city's (青岛市)."""
    return hierarchy().name


def city_names() -> list[str]:
    return [c.name for c in hierarchy().cities]


def district_cities(h: Hierarchy) -> dict[str, str]:
    """District name -> the name of its city, from a configuration (pure)."""
    return {d.name: city.name for city in h.cities for d in city.districts}


def city_of(district: str) -> str | None:
    return district_cities(hierarchy()).get(district)


def city_district_names(city: str) -> list[str]:
    """The districts of one city in the order of their codes; [] for a city not configured."""
    return [d.name for c in hierarchy().cities if c.name == city for d in c.districts]


def whole_cities(districts) -> list[str]:
    """The cities whose districts are exactly `districts` (a city user's or a chosen city's view), in the
    province's order; [] when the districts are not whole cities (or none are given)."""
    chosen = set(districts or ())
    cities = [c for c in hierarchy().cities if {d.name for d in c.districts} & chosen]
    covered = {d.name for c in cities for d in c.districts}
    return [c.name for c in cities] if chosen and covered == chosen else []


def districts() -> tuple[District, ...]:
    """Every configured district: city by city, each in its file's order."""
    return tuple(d for c in hierarchy().cities for d in c.districts)


def city_bbox() -> dict:
    """The bounding box of the whole configured area (at province level: around all its cities)."""
    boxes = [c.bbox for c in hierarchy().cities]
    return {k: (min if k.startswith("min") else max)(b[i] for b in boxes) for i, k in enumerate(_BBOX_KEYS)}


def boundary_files() -> list[Path]:
    """The district boundary files: [geodata] boundaries for one city, each city's own at province level."""
    return [c.boundaries for c in hierarchy().cities]


def district_names() -> list[str]:
    """Official names in the order of the administrative codes (city by city at province level)."""
    return [d.name for d in districts()]
