"""Public geography: tiles from the city's own file, and its reference layers for the tile-less basemap.

Both are open to anyone (the citizens' report page draws them before sign-in matters), and hold
nothing but what a printed city map shows.
"""
from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.gzip import gzip_page
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicloop.basemap import queries, tilefile
from civicloop.geo.viewport import integer_param, parse_bbox
from civicloop.core.errors import ServiceError


@require_GET
def tile(request, z: int, x: int, y: int):
    """GET /tiles/{z}/{x}/{y}: a tile from CIVICLOOP_MAP_TILE_FILE; 404 when there is none (Leaflet leaves it blank)."""
    if settings.MAP_TILES != "file" or not settings.MAP_TILE_FILE:
        raise Http404("no tile file configured")
    try:
        data = tilefile.tile(settings.MAP_TILE_FILE, z, x, y)
    except (OSError, ValueError) as problem:
        raise Http404("tile file unreadable") from problem
    if not data:
        response = HttpResponse(status=404)
        response["Cache-Control"] = "public, max-age=3600"
        return response
    response = HttpResponse(data, content_type=tilefile.content_type(data))
    response["Cache-Control"] = "public, max-age=86400"  # a city replaces its tile file once in months
    return response


@require_GET
@gzip_page
def features(request):
    """GET bbox=minlon,minlat,maxlon,maxlat (the map's system) & zoom & areas=1 → the view's basemap GeoJSON."""
    try:
        bbox = parse_bbox(request.GET.get("bbox"), required=True)
        zoom = integer_param(request.GET, "zoom", default=12, low=0, high=22,
                        message=_("zoom must be a whole number from 0 to 22"))
        areas = request.GET.get("areas", "") in ("1", "true")
        body = queries.features(bbox, zoom, areas=areas)
    except ServiceError as error:
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":")), content_type="application/json")
    response["Cache-Control"] = "public, max-age=300"
    return response
