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
    """The store to open (loaders.store_common.open_store): a PostgreSQL URL from LEDGER_DB or settings
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


def default_crs() -> str:
    return _setting("coordinates", "default_crs")


def validate() -> None:
    """Read every setting and reference file once, so that a broken configuration is reported as such
    before a ledger is read (the reader reports any failure inside it as an unreadable ledger)."""
    for read in (store_path, log_dir, sample_ledgers_dir, boundaries_path, boundaries_name_field, tile_url, default_crs,
                 districts, city_name, city_bbox, warning_rules):
        read()


def warning_rules() -> dict:
    return _read_toml(CONFIG_DIR / "warnings.toml")


@dataclass(frozen=True)
class District:
    code: str
    name: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=None)
def districts() -> tuple[District, ...]:
    data = _read_toml(CONFIG_DIR / "districts.toml")
    return tuple(District(d["code"], d["name"], tuple(d.get("aliases", ()))) for d in data["district"])


def city_name() -> str:
    return _read_toml(CONFIG_DIR / "districts.toml")["city"]


def city_bbox() -> dict:
    return _read_toml(CONFIG_DIR / "districts.toml")["bbox"]


def district_names() -> list[str]:
    """Official names in the order of the administrative codes."""
    return [d.name for d in districts()]
