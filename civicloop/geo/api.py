from __future__ import annotations

from ninja import Query, Router, Schema

from civicloop.core.errors import NotFound
from civicloop.geo.index import locate
from civicloop.geo.models import Division, Grid
from civicloop.geo.points import parse_point
from civicloop.org.api import staff_auth

router = Router(tags=["geo 地理"], auth=staff_auth)


class PointIn(Schema):
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"


class LocateOut(Schema):
    lon: float
    lat: float
    grid: str
    grid_name: str
    community: str
    community_name: str
    street: str
    street_name: str


@router.get("/locate", response=LocateOut, summary="坐标定位网格 point → grid")
def locate_point(request, point: Query[PointIn]):
    lon, lat = parse_point(point.lon, point.lat, point.crs)
    hit = locate(lon, lat)
    if hit is None:
        raise NotFound("该位置不在任何网格内 / the point is in no grid")
    grid = Grid.objects.select_related("community__parent").get(pk=hit.code)
    return {"lon": lon, "lat": lat, "grid": grid.code, "grid_name": grid.name, "community": grid.community_id,
            "community_name": grid.community.name, "street": grid.community.parent_id,
            "street_name": grid.community.parent.name}


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None


@router.get("/divisions", response=list[DivisionOut], summary="行政区划 divisions")
def divisions(request, level: str | None = None, parent: str | None = None):
    rows = Division.objects.all()
    if level:
        rows = rows.filter(level=level)
    if parent:
        rows = rows.filter(parent_id=parent)
    return [{"code": d.code, "name": d.name, "level": d.level, "parent": d.parent_id} for d in rows]
