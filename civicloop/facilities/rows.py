"""What every registry row's applier shares (facilities here, shops in shops/importing.py): the row's
refusal, its cells as text, dates and points. Below the importers, so an app with a registry of its
own imports this and not the facility importer."""
from __future__ import annotations

from datetime import date, datetime

from civicloop.core.errors import ServiceError
from civicloop.geo.points import parse_point
from civicloop.lib.tabular import cell_text


class BadRow(ServiceError):
    """One row's reason, in the report; never stops the file. `fields` names the cells at fault (our
    field names; the importer shows them as the file's own headers), when the check is about them."""

    def __init__(self, message: str, *, fields: tuple[str, ...] = ()):
        super().__init__(message)
        self.fields = fields


def text(row: dict, name: str, limit: int) -> str:
    return cell_text(row.get(name))[:limit]


def day(row: dict, name: str) -> date | None:
    value = row.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-")[:10])
    except ValueError:
        raise BadRow(f"日期格式应为 2026-01-31：{value} / dates are YYYY-MM-DD", fields=(name,)) from None


def point(row: dict) -> tuple[float, float]:
    try:
        lon, lat = parse_point(row.get("lon"), row.get("lat"), text(row, "crs", 10) or "wgs84")
    except ServiceError as exc:
        raise BadRow(f"坐标无效 / bad coordinates: {exc}", fields=("lon", "lat")) from None
    return lon, lat
