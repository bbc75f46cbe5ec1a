from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from civicloop.geo.models import Grid


@pytest.fixture
def gridworker(persona):
    return persona("gridworker")


@pytest.fixture
def grid(gridworker) -> Grid:
    return gridworker.scope_grid


def lawn_mower(grid: Grid, *, start: datetime, share: float = 1.0, step_s: int = 10) -> list[dict]:
    """Fixes every step_s seconds walking rows 20 m apart across the grid's box (share of the rows)."""
    rows = max(2, int((grid.max_lat - grid.min_lat) * 111_320 / 20))
    path = []
    for r in range(int(rows * share)):
        lat = grid.min_lat + (r + 0.5) * (grid.max_lat - grid.min_lat) / rows
        a, b = (grid.min_lon + 1e-6, grid.max_lon - 1e-6)[:: 1 if r % 2 == 0 else -1]
        path += [(a + (b - a) * k / 6, lat) for k in range(7)]
    return [{"t": (start + timedelta(seconds=step_s * i)).timestamp() * 1000, "lon": lon, "lat": lat, "acc": 5}
            for i, (lon, lat) in enumerate(path)]


@pytest.fixture
def walk():
    return lawn_mower


def post_json(client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def morning():
    """09:00 today (local time) — before the working day ends, after the patrol starts."""
    return timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
