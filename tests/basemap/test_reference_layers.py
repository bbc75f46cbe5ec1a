"""Reference layers: imported from a city's files in their own coordinate system, served by the view's
box and simplified by zoom, and generated for the demo city so its tile-less map is a town."""
from __future__ import annotations

import io
import json

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.test import Client
from shapely.geometry import LineString, box

from civicloop.basemap import demo
from civicloop.basemap.models import ReferenceFeature
from tests.conftest import WENLAN

LON, LAT = WENLAN


def geojson_file(tmp_path, features: list[dict]):
    path = tmp_path / "layer.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def road(name: str, coordinates) -> dict:
    return {"type": "Feature", "properties": {"名称": name}, "geometry": {"type": "LineString", "coordinates": coordinates}}


def features(client: Client, bbox, zoom: int, **extra):
    response = client.get("/basemap/features", {"bbox": ",".join(f"{v:.6f}" for v in bbox), "zoom": zoom, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def test_roads_from_geojson_are_served_in_a_box_with_their_names(db, tmp_path):
    path = geojson_file(tmp_path, [
        road("天马路", [[LON - 0.01, LAT], [LON + 0.01, LAT]]),
        road("远方路", [[LON + 1.0, LAT + 1.0], [LON + 1.01, LAT + 1.0]]),
        {"type": "Feature", "properties": {"名称": "一个点"}, "geometry": {"type": "Point", "coordinates": [LON, LAT]}},
    ])
    out = io.StringIO()
    call_command("basemap_import", "roads", str(path), stdout=out)
    assert "2 imported, 1 skipped" in out.getvalue()
    body = features(Client(), (LON - 0.02, LAT - 0.02, LON + 0.02, LAT + 0.02), 15)
    assert [(f["properties"]["layer"], f["properties"]["name"]) for f in body["features"]] == [("road", "天马路")]
    assert body["features"][0]["geometry"]["type"] == "LineString"


def test_a_reimport_replaces_the_layer_and_append_adds_to_it(db, tmp_path):
    first = geojson_file(tmp_path, [road("甲路", [[LON, LAT], [LON + 0.01, LAT]])])
    call_command("basemap_import", "roads", str(first), stdout=io.StringIO())
    call_command("basemap_import", "roads", str(first), stdout=io.StringIO())
    assert ReferenceFeature.objects.filter(layer="road").count() == 1
    call_command("basemap_import", "roads", str(first), "--append", stdout=io.StringIO())
    assert ReferenceFeature.objects.filter(layer="road").count() == 2


def test_buildings_from_a_geopackage_in_gauss_kruger_land_where_they_are(db, tmp_path):
    """A surveyor's GeoPackage in CGCS2000 3° Gauss–Krüger, central meridian 102°E (EPSG:4543)."""
    import pyproj
    from pyogrio.raw import write

    to_gk = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4543", always_xy=True)
    x, y = to_gk.transform(LON, LAT)
    building = box(x - 20, y - 15, x + 20, y + 15)
    path = tmp_path / "buildings.gpkg"
    write(str(path), np.array([shapely.to_wkb(building)], dtype=object), [np.array(["图书馆"], dtype=object)], ["name"],
          layer="buildings", driver="GPKG", geometry_type="Polygon", crs=pyproj.CRS("EPSG:4543").to_wkt())
    call_command("basemap_import", "buildings", str(path), stdout=io.StringIO())
    saved = ReferenceFeature.objects.get(layer="building")
    assert saved.name == "图书馆"
    assert saved.min_lon < LON < saved.max_lon and saved.min_lat < LAT < saved.max_lat
    near = (LON - 0.001, LAT - 0.001, LON + 0.001, LAT + 0.001)
    assert features(Client(), near, 12)["features"] == []  # buildings only from street zoom on
    assert [f["properties"]["layer"] for f in features(Client(), near, 17)["features"]] == ["building"]


def test_a_long_road_is_simplified_at_a_low_zoom(db):
    from civicloop.basemap.importing import save_features

    wiggle = LineString([(LON + i * 0.0001, LAT + (0.00001 if i % 2 else 0)) for i in range(200)])
    save_features("road", [("蜿蜒路", wiggle)], source="test")
    bbox = (LON - 0.01, LAT - 0.01, LON + 0.03, LAT + 0.01)
    coarse = features(Client(), bbox, 12)["features"][0]["geometry"]["coordinates"]
    fine = features(Client(), bbox, 22)["features"][0]["geometry"]["coordinates"]
    assert len(coarse) < 10 < len(fine)


def test_division_outlines_come_with_a_label_point_when_asked(db):
    body = features(Client(), (LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01), 13, areas="1")
    streets = {f["properties"]["name"]: f for f in body["features"] if f["properties"].get("level") == "street"}
    assert "文澜街道" in streets
    assert len(streets["文澜街道"]["properties"]["label"]) == 2
    assert not [f for f in body["features"] if f["properties"]["layer"] == "grid"]  # grids from zoom 16
    near = features(Client(), (LON - 0.001, LAT - 0.001, LON + 0.001, LAT + 0.001), 17, areas="1")
    assert [f for f in near["features"] if f["properties"]["layer"] == "grid"]


@pytest.mark.parametrize("query", [{"bbox": "1,2,3"}, {"bbox": "x"}, {"bbox": "10,10,5,5"}, {},
                                   {"bbox": "103,23,104,24", "zoom": "99"}])
def test_a_bad_box_or_zoom_is_a_422(db, query):
    assert Client().get("/basemap/features", query).status_code == 422


def test_the_demo_city_gets_named_roads_water_and_buildings_once(db):
    out = io.StringIO()
    demo.seed(out)
    demo.seed(out)
    assert "参考图层已存在" in out.getvalue()  # the second seed adds nothing and says so
    roads = set(ReferenceFeature.objects.filter(layer="road").values_list("name", flat=True))
    assert {"天马路", "银河路", "红河大道"} <= roads
    assert ReferenceFeature.objects.filter(layer="water", name="南湖").exists()
    assert ReferenceFeature.objects.filter(layer="building").count() > 50
    body = features(Client(), (LON - 0.005, LAT - 0.005, LON + 0.005, LAT + 0.005), 16)
    assert {"road", "water", "building"} <= {f["properties"]["layer"] for f in body["features"]}
