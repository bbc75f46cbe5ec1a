"""Reads of the registry: the map layer for a viewport, a keeper's facilities and their open cases."""
from __future__ import annotations

from django.db.models import Avg, Count, F
from django.db.models.functions import Floor

from civicloop.cases.models import Case
from civicloop.cases.rules import Kind
from civicloop.core.errors import InvalidInput
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


def layer(queryset, bbox: tuple[float, float, float, float], *, limit: int = POINT_LIMIT) -> dict:
    """GeoJSON of the facilities in a viewport: points when there are few, counted cells when there are many
    (a city-wide view of 100,000 bins is a heat of counts, not 100,000 markers)."""
    west, south, east, north = bbox
    inside = queryset.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    rows = list(inside.values_list("id", "lon", "lat", "name", "component_id", "state")[:limit + 1])
    if len(rows) <= limit:
        features = [{"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                     "properties": {"name": name, "component": component, "state": state}}
                    for fid, lon, lat, name, component, state in rows]
        return {"type": "FeatureCollection", "clustered": False, "features": features}
    return {"type": "FeatureCollection", "clustered": True, "features": _clusters(inside, bbox)}


def _clusters(inside, bbox) -> list[dict]:
    west, south, east, north = bbox
    dx, dy = (east - west) / CLUSTER_CELLS, (north - south) / CLUSTER_CELLS
    cells = (inside.annotate(cx=Floor((F("lon") - west) / dx), cy=Floor((F("lat") - south) / dy))
             .values("cx", "cy").annotate(n=Count("id"), x=Avg("lon"), y=Avg("lat")))
    # The marker sits at its members' centre, so a cell with one busy street is drawn on that street.
    return [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(c["x"], 6), round(c["y"], 6)]},
             "properties": {"count": c["n"]}} for c in cells]


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
