"""Typed readers for configuration from the environment.

Only settings.py calls these (conventions rule 5): each fails loudly with the key's name
instead of letting a bad value surface later as a strange error.
"""
from __future__ import annotations

import os


class ConfigError(RuntimeError):
    pass


def text(key: str, default: str) -> str:
    return os.environ.get(key, default)


def boolean(key: str, default: bool) -> bool:
    raw = os.environ.get(key)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}={raw!r}: expected true/false")


def integer(key: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r}: expected an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{key}={raw!r}: must be at least {minimum}")
    return value


def number(key: str, default: float, *, low: float | None = None, high: float | None = None) -> float:
    raw = os.environ.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r}: expected a number") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{key}={raw!r}: must be between {low} and {high}")
    return value


def listing(key: str, default: list[str]) -> list[str]:
    raw = os.environ.get(key)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def choice(key: str, options: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(key)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in options:
        raise ConfigError(f"{key}={raw!r}: expected one of {', '.join(options)}")
    return value
