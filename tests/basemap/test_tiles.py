"""Tile providers by configuration: what each map is told to draw, what the CSP lets it load, and
tiles served from a city's own MBTiles or PMTiles file on a network with no internet."""
from __future__ import annotations

import io
import sqlite3

import pytest
from django.test import Client
from PIL import Image

from civicloop.geo import tiles
from civicloop.lib import coords
from tests.basemap.conftest import page_map_config
from tests.conftest import WENLAN


def png(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


RED, BLUE = png((200, 30, 30)), png((30, 30, 200))


def csp(client: Client, path: str = "/m/login/") -> str:
    return client.get(path)["Content-Security-Policy"]


def test_tianditu_draws_its_base_and_labels_as_two_layers_with_the_citys_key(db, settings, citizen_client):
    settings.MAP_TILES, settings.TIANDITU_KEY = "tianditu", "city-key-123"
    config = page_map_config(citizen_client.get("/m/report/"))
    base, labels = [layer["url"] for layer in config["layers"]]
    assert "/vec_w/wmts" in base and "LAYER=vec" in base and "TILEMATRIXSET=w" in base
    assert "/cva_w/wmts" in labels and "LAYER=cva" in labels
    assert base.endswith("tk=city-key-123") and labels.endswith("tk=city-key-123")
    assert config["crs"] == "wgs84" and config["basemap"] == ""
    assert "https://*.tianditu.gov.cn" in csp(Client())


def test_tianditu_imagery_is_img_under_cia(db, settings):
    settings.MAP_TILES, settings.TIANDITU_KEY, settings.TIANDITU_STYLE = "tianditu", "k", "img"
    base, labels = [layer["url"] for layer in tiles.tile_config()["layers"]]
    assert "/img_w/" in base and "/cia_w/" in labels


@pytest.mark.parametrize("provider, host", [("amap", "https://*.is.autonavi.com"), ("tencent", "https://*.map.gtimg.com")])
def test_gcj02_providers_get_points_and_shapes_converted(db, settings, provider, host):
    settings.MAP_TILES = provider
    assert tiles.display_crs() == "gcj02"
    lon, lat = tiles.to_display(*WENLAN)
    assert (lon, lat) == pytest.approx(coords.wgs84_to_gcj02(*WENLAN))
    assert 100 < coords.distance_m(WENLAN[0], WENLAN[1], lon, lat) < 1000  # GCJ-02 moves a point by hundreds of metres
    line = tiles.geometry_to_display({"type": "LineString", "coordinates": [list(WENLAN), [WENLAN[0] + 0.01, WENLAN[1]]]})
    assert line["coordinates"][0] == pytest.approx([lon, lat])
    assert host in csp(Client())


def test_the_map_opens_on_the_gcj02_position_of_the_city_for_amap(db, settings, citizen_client):
    settings.MAP_TILES = "amap"
    from civicloop.geo.extent import extent

    config = page_map_config(citizen_client.get("/m/report/"))
    assert config["center"] == pytest.approx(list(coords.wgs84_to_gcj02(*extent().centre)), abs=1e-6)


def test_any_xyz_template_with_its_own_subdomains_and_crs(db, settings):
    settings.MAP_TILES = "xyz"
    settings.MAP_TILE_URL = "https://tiles{s}.gis.example.gov.cn/base/{z}/{x}/{y}.png"
    settings.MAP_TILE_SUBDOMAINS, settings.MAP_TILE_CRS = "12", "gcj02"
    config = tiles.tile_config()
    assert [layer["url"] for layer in config["layers"]] == [settings.MAP_TILE_URL]
    assert config["subdomains"] == "12" and config["crs"] == "gcj02"
    assert "https://*.gis.example.gov.cn" in csp(Client())


def test_a_tile_url_given_with_none_is_still_drawn_as_before(db, settings):
    settings.MAP_TILES, settings.MAP_TILE_URL = "none", "http://10.0.0.8/tiles/{z}/{x}/{y}.png"
    assert [layer["url"] for layer in tiles.tile_config()["layers"]] == [settings.MAP_TILE_URL]
    assert tiles.tile_config()["basemap"] == ""


def test_no_tiles_means_the_citys_own_layers_and_nothing_extra_in_the_csp(db, citizen_client):
    config = page_map_config(citizen_client.get("/m/report/"))
    assert config["layers"] == [] and config["basemap"] == "/basemap/features"
    assert "img-src 'self' data: blob:;" in csp(Client())


def test_the_review_number_is_in_every_maps_attribution(db, settings, citizen_client, signed_in):
    settings.MAP_TILES, settings.TIANDITU_KEY = "tianditu", "k"
    settings.MAP_REVIEW_NUMBER = "GS(2024)0650号"
    config = page_map_config(citizen_client.get("/m/report/"))
    assert config["attribution"] == "© 天地图 | 审图号：GS(2024)0650号"
    facility = page_map_config(signed_in("leader").get("/console/facilities/map/"))
    assert "GS(2024)0650号" in facility["attribution"]
    english = page_map_config(signed_in("leader", language="en").get("/console/facilities/map/"))
    assert "Map review number: GS(2024)0650号" in english["attribution"]


# ---------------------------------------------------------------------------- a city's own tile file


def make_mbtiles(path) -> None:
    """Two tiles: z0 and z1 x1 y0 (north-east), stored with TMS rows as MBTiles does."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name text, value text)")
        db.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "city"), ("format", "png")])
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(0, 0, 0, RED), (1, 1, 1, BLUE)])


def make_pmtiles(path) -> None:
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    with write(str(path)) as writer:
        writer.write_tile(zxy_to_tileid(0, 0, 0), RED)
        writer.write_tile(zxy_to_tileid(1, 1, 0), BLUE)
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE, "min_zoom": 0, "max_zoom": 1},
                        {"name": "city"})


@pytest.mark.parametrize("suffix, make", [(".mbtiles", make_mbtiles), (".pmtiles", make_pmtiles)])
def test_tiles_from_the_citys_file_are_served_by_our_own_endpoint(db, settings, tmp_path, suffix, make):
    path = tmp_path / f"city{suffix}"
    make(path)
    settings.MAP_TILES, settings.MAP_TILE_FILE = "file", str(path)
    config = tiles.tile_config()
    assert [layer["url"] for layer in config["layers"]] == ["/tiles/{z}/{x}/{y}"]
    client = Client()
    first = client.get("/tiles/0/0/0")
    assert first.status_code == 200 and first["Content-Type"] == "image/png" and first.content == RED
    north_east = client.get("/tiles/1/1/0")
    assert north_east.status_code == 200 and north_east.content == BLUE
    assert client.get("/tiles/1/0/1").status_code == 404  # a tile the file does not have
    for bad in ("/tiles/1/2/0", "/tiles/1/0/5", "/tiles/40/0/0", "/tiles/1/x/0", "/tiles/-1/0/0"):
        assert client.get(bad).status_code == 404, bad
    assert "img-src 'self' data: blob:;" in csp(client)  # our own origin: nothing to add


def test_without_a_file_configured_the_tile_endpoint_is_a_404(db):
    assert Client().get("/tiles/0/0/0").status_code == 404
