"""Every map opens on the configured jurisdiction, from whatever geography the city has loaded."""
from __future__ import annotations

import json

import pytest

from civicloop.geo import extent
from civicloop.geo.models import Division, Grid
from tests.basemap.conftest import GRID_BOX, OTHER_COUNTY, STREET_BOX, page_map_config
from tests.conftest import WENLAN


def inside(point, box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def test_the_citizen_report_map_opens_on_another_city_when_its_divisions_are_loaded(other_city, citizen_client, settings):
    settings.JURISDICTION = OTHER_COUNTY
    config = page_map_config(citizen_client.get("/m/report/"))
    assert inside(config["center"], STREET_BOX), config["center"]
    (south, west), (north, east) = config["bounds"]
    assert (west, south, east, north) == pytest.approx(STREET_BOX)
    assert abs(config["center"][0] - WENLAN[0]) > 10  # not on the demo city


def test_the_demo_city_opens_on_its_own_boundary(db, citizen_client):
    config = page_map_config(citizen_client.get("/m/report/"))
    (south, west), (north, east) = config["bounds"]
    assert west < WENLAN[0] < east and south < WENLAN[1] < north
    assert extent.extent().source == "boundary"


def test_without_any_boundary_the_map_fits_the_citys_grids(other_city, settings):
    settings.JURISDICTION = OTHER_COUNTY
    Division.objects.filter(code__startswith=OTHER_COUNTY).update(geometry="")
    extent.invalidate()
    found = extent.extent()
    assert found.source == "grids"
    assert found.bounds == pytest.approx(GRID_BOX)
    assert inside(found.centre, GRID_BOX)


def test_a_boundary_loaded_later_moves_the_map_without_a_restart(other_city, settings):
    settings.JURISDICTION = OTHER_COUNTY
    assert extent.extent().source == "divisions"
    county = Division.objects.get(code=OTHER_COUNTY)
    county.geometry = json.dumps({"type": "Polygon", "coordinates": [[[120.0, 30.1], [120.3, 30.1], [120.3, 30.4],
                                                                      [120.0, 30.4], [120.0, 30.1]]]})
    county.save()  # the divisions revision moves
    assert extent.extent().bounds == pytest.approx((120.0, 30.1, 120.3, 30.4))


def test_a_city_with_nothing_loaded_sees_china_not_the_sea(db, settings):
    from civicloop.core import revisions
    from civicloop.geo.index import REVISION

    settings.JURISDICTION = "650100"  # none of its divisions or grids loaded: the demo city's grids are used
    assert extent.extent().source == "all-grids"
    Grid.objects.update(active=False)
    revisions.bump(REVISION)
    assert extent.extent().source == "none"
    assert extent.extent().bounds == extent.CHINA


def test_the_staff_maps_open_on_the_same_city(other_city, signed_in, settings):
    settings.JURISDICTION = OTHER_COUNTY
    leader = signed_in("leader")
    facility = page_map_config(leader.get("/console/facilities/map/"))
    assert inside(facility["center"], STREET_BOX)
    console = leader.get("/console/map/")
    assert console.status_code == 200
    settings_json = json.loads(console.content.decode().split('id="map-settings" type="application/json">')[1].split("</script>")[0])
    (south, west), (north, east) = settings_json["bounds"]
    assert (west, south, east, north) == pytest.approx(STREET_BOX)
    screen = leader.get("/screen/").content.decode()
    config = json.loads(screen.split('id="screen-config" type="application/json">')[1].split("</script>")[0])
    (west, north), (east, south) = config["bounds"]  # ECharts' boundingCoords: top-left, bottom-right
    assert (west, south, east, north) == pytest.approx(STREET_BOX)


def test_the_public_map_opens_on_the_city_too(other_city, settings):
    from django.test import Client

    settings.JURISDICTION = OTHER_COUNTY
    settings.PUBLIC_MAP = True
    config = page_map_config(Client().get("/m/map/"))
    assert inside(config["center"], STREET_BOX)
