"""Point → grid lookup follows grid changes; coordinates convert at the edge."""
from __future__ import annotations

import json

import pytest

from civicloop.geo.index import GridIndex, grid_index, locate
from civicloop.geo.models import Division, Grid
from civicloop.lib import coords

pytestmark = pytest.mark.django_db


def square(lon, lat, size=0.001) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_the_demo_city_has_every_grid_in_the_index():
    assert len(grid_index()) == Grid.objects.filter(active=True).count() > 2000


def test_a_new_grid_is_found_at_once_and_a_deleted_one_is_gone():
    outside = (103.90, 23.60)  # beyond the demo city's outline
    assert locate(*outside) is None
    community = Division.objects.get(code="532503001001")
    grid = Grid.objects.create(code="532503001001999", name="新网格", community=community,
                               geometry=square(103.8995, 23.5995))
    assert locate(*outside).code == "532503001001999"
    grid.geometry = square(103.95, 23.65)
    grid.save()
    assert locate(*outside) is None and locate(103.9505, 23.6505).code == "532503001001999"
    grid.delete()
    assert locate(103.9505, 23.6505) is None


def test_a_deactivated_grid_no_longer_takes_cases():
    hit = locate(103.385, 23.367)
    grid = Grid.objects.get(pk=hit.code)
    grid.active = False
    grid.save()
    assert locate(103.385, 23.367) is None


def test_another_process_sees_a_change_after_the_recheck_interval(settings):
    """Simulates a second process: its cache only learns through the revision row."""
    from civicloop.core import revisions
    from civicloop.geo import index

    settings.CACHE_RECHECK_SECONDS = 0
    before = len(grid_index())
    Grid.objects.bulk_create([Grid(code="532503001001998", name="批量", community_id="532503001001",
                                   geometry=square(103.97, 23.67))])  # no signal: another process's write
    revisions.Revision.objects.filter(name=index.REVISION).update(value=987654)
    assert len(grid_index()) == before + 1


def test_a_point_on_a_shared_edge_goes_to_the_lower_code():
    from shapely.geometry import box

    idx = GridIndex([("532503001001002", "532503001001", box(0.5, 0, 1, 1)),
                     ("532503001001001", "532503001001", box(0, 0, 0.5, 1))])
    assert idx.locate(0.5, 0.5).code == "532503001001001"
    assert idx.locate(2, 2) is None


def test_gcj02_and_bd09_round_trip_to_wgs84_within_half_a_metre():
    for lon, lat in [(103.385, 23.367), (116.397, 39.908), (121.4737, 31.2304)]:
        g = coords.from_wgs84(lon, lat, "gcj02")
        b = coords.from_wgs84(lon, lat, "bd09")
        assert coords.distance_m(lon, lat, *g) > 100  # the offset is real
        assert coords.distance_m(lon, lat, *coords.to_wgs84(*g, "gcj02")) < 0.5
        assert coords.distance_m(lon, lat, *coords.to_wgs84(*b, "bd09")) < 0.5
    assert coords.to_wgs84(-73.98, 40.75, "gcj02") == (-73.98, 40.75)  # no offset outside China


def test_the_locate_api_accepts_any_coordinate_system(api):
    g = coords.from_wgs84(103.385, 23.367, "bd09")
    body = api("operator").get("/geo/locate", lon=g[0], lat=g[1], crs="bd09").json()
    assert body["street_name"] == "文澜街道" and len(body["grid"]) == 15
    assert api("operator").get("/geo/locate", lon=10, lat=10).status_code == 422


def test_grid_codes_are_validated():
    from django.core.exceptions import ValidationError

    grid = Grid(code="53250300100100", name="x", community_id="532503001001", geometry=square(0, 0))
    with pytest.raises(ValidationError, match="15"):
        grid.full_clean()
    grid.code = "532503001002001"
    with pytest.raises(ValidationError, match="社区代码"):
        grid.full_clean()
