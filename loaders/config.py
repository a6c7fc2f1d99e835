"""Settings and reference data declared in config/*.toml, so a bureau can edit them without code."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "config"


def _resolve(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p


@lru_cache(maxsize=None)
def _read_toml(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def settings() -> dict:
    """The deployment settings (config/settings.toml, or the file named by LEDGER_SETTINGS)."""
    return _read_toml(_resolve(os.environ.get("LEDGER_SETTINGS", CONFIG_DIR / "settings.toml")))


def store_path() -> Path:
    """Where the snapshot store lives: LEDGER_DB, else settings [store] path."""
    return _resolve(os.environ.get("LEDGER_DB") or settings()["store"]["path"])


def sample_ledgers_dir() -> Path:
    return _resolve(settings()["store"]["sample_ledgers"])


def boundaries_path() -> Path:
    return _resolve(settings()["geodata"]["boundaries"])


def boundaries_name_field() -> str:
    return settings()["geodata"].get("name_field", "name")


def tile_url() -> str:
    return settings().get("map", {}).get("tile_url", "")


def upload_limits() -> dict:
    return settings()["upload"]


def default_crs() -> str:
    return settings()["coordinates"]["default_crs"]


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
