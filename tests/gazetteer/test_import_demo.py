"""The demo city's gazetteer: seeded on the basemap's own roads, with door plates, compounds and POIs."""
from __future__ import annotations

import io

import pytest
import shapely

from civicloop.basemap import demo as basemap_demo
from civicloop.gazetteer import demo
from civicloop.gazetteer.models import Building, Compound, DoorPlate, Poi, Road, RoadSegment

pytestmark = pytest.mark.django_db


def test_the_demo_gazetteer_exists_after_seeding_and_agrees_with_the_basemap():
    out = io.StringIO()
    demo.seed(out)
    assert "gazetteer" in out.getvalue()
    basemap = {name: line for name, line in basemap_demo._roads()}
    roads = {road.name: road for road in Road.objects.all()}
    assert set(roads) == set(basemap)
    assert shapely.equals_exact(shapely.from_geojson(roads["天马路"].geometry), basemap["天马路"], tolerance=1e-7)
    assert "红竹路" in roads["红竹园路"].aliases and "红竹" in roads["红竹园路"].search_text

    plates = DoorPlate.objects.filter(road=roads["天马路"])
    numbers = set(plates.values_list("number_main", flat=True))
    assert {1, 2, 3, 4} <= numbers and plates.count() > 150  # 4 km, both sides, every 20–40 m
    assert all(p.grid_code for p in plates)
    assert Compound.objects.count() >= 24 and Building.objects.filter(compound__name="桂林苑").count() >= 4
    hospital = Poi.objects.get(name="蒙自市人民医院")
    assert "人民医院" in hospital.search_text and hospital.door_plate is not None


def test_seeding_twice_changes_nothing_and_is_the_same_every_time():
    demo.seed(io.StringIO())
    first = list(DoorPlate.objects.order_by("code").values_list("code", "lon", "lat")[:50])
    total = DoorPlate.objects.count()
    demo.seed(io.StringIO())
    assert DoorPlate.objects.count() == total
    DoorPlate.objects.all().delete()
    Building.objects.all().delete()
    Compound.objects.all().delete()
    Poi.objects.all().delete()
    RoadSegment.objects.all().delete()
    Road.objects.all().delete()
    demo.seed(io.StringIO())
    assert list(DoorPlate.objects.order_by("code").values_list("code", "lon", "lat")[:50]) == first
