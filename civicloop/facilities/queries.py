"""Reads of the registry: the map layer for a viewport, a keeper's facilities and their open cases."""
from __future__ import annotations

from civicloop.cases.models import Case
from civicloop.cases.rules import Kind
from civicloop.core.errors import InvalidInput
from civicloop.facilities.index import facility_index
from civicloop.facilities.models import Facility, FacilityCase, Keeper

POINT_LIMIT = 2000  # more than this in a viewport and the layer answers with clusters
CLUSTER_CELLS = 40  # the viewport is cut into about 40 × 40 cells for clustering


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise InvalidInput.field("bbox", "视窗应为 west,south,east,north / bbox is west,south,east,north") from None
    if not (west < east and south < north and -180 <= west and east <= 180 and -90 <= south and north <= 90):
        raise InvalidInput.field("bbox", "视窗范围无效 / the bbox is empty or out of range")
    return west, south, east, north


def layer(bbox: tuple[float, float, float, float], *, area: tuple[str, str] | None = None, limit: int = POINT_LIMIT) -> dict:
    """GeoJSON of the facilities in a viewport: points when there are few, counted cells when there are many
    (a city-wide view of 100,000 bins is a map of counts, not 100,000 markers). `area` limits it to one
    street, community or grid (access.area_key)."""
    index = facility_index()
    inside = index.mask(bbox, area)
    ids = index.ids[inside]
    if len(ids) > limit:
        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
                     "properties": {"count": n}} for x, y, n in index.clusters(inside, bbox, CLUSTER_CELLS)]
        return {"type": "FeatureCollection", "clustered": True, "features": features}
    rows = Facility.objects.filter(pk__in=list(ids)).order_by().values_list("id", "lon", "lat", "name", "component_id", "state")
    features = [{"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"name": name, "component": component, "state": state}}
                for fid, lon, lat, name, component, state in rows]
    return {"type": "FeatureCollection", "clustered": False, "features": features}


def keeper_of(phone: str) -> Keeper | None:
    return Keeper.objects.filter(phone=phone, active=True).first() if phone else None


def keeper_view(keeper: Keeper) -> dict:
    """A keeper's facilities and the cases about them: open ones first, then the last closed ones."""
    facilities = list(keeper.facilities.select_related("component").order_by("id"))
    links = (FacilityCase.objects.filter(facility__keeper=keeper).select_related("case", "case__category", "facility")
             .order_by("closed_at", "-opened_at"))
    open_cases = [link for link in links if link.closed_at is None and link.case.kind == Kind.OPEN]
    closed_cases = [link for link in links if link.closed_at is not None][:20]
    return {"facilities": facilities, "open_cases": open_cases, "closed_cases": closed_cases}


def facility_of_case(case: Case) -> FacilityCase | None:
    return (FacilityCase.objects.filter(case_id=case.pk).select_related("facility", "facility__component",
                                                                        "facility__keeper").first())
