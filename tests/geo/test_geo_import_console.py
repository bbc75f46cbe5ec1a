"""The console's import page: upload → report and preview map → confirm; administrators only."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicloop.geo import staging
from civicloop.geo.index import as_geojson
from civicloop.geo.models import Division, Grid
from tests.geo import geofiles
from tests.geo.geofiles import COMMUNITY, STREET

PAGE = "/console/geo/import/"


@pytest.fixture
def far_community(db):
    Division.objects.create(code=STREET, name="测试街道", level="street", parent_id="532503")
    return Division.objects.create(code=COMMUNITY, name="测试社区", level="community", parent_id=STREET,
                                   geometry=as_geojson(geofiles.to_wgs84(geofiles.community_outline())))


@pytest.fixture
def stage_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR / "geo-imports"


def upload(tmp_path, rows, **kwargs) -> SimpleUploadedFile:
    path = geofiles.zipped_shapefile(tmp_path, rows, **kwargs)
    return SimpleUploadedFile("街道网格2026.zip", path.read_bytes(), content_type="application/zip")


def test_upload_preview_confirm_imports_the_grids(far_community, tmp_path, stage_dir, signed_in):
    admin = signed_in("admin", language="en")
    assert admin.get(PAGE).status_code == 200
    response = admin.post(PAGE, {"kind": "grids", "file": upload(tmp_path, geofiles.four_grids()), "crs": ""})
    assert response.status_code == 302
    preview_url = response["Location"]
    page = admin.get(preview_url)
    text = page.content.decode()
    assert "4 features: 4 new" in text and "街道网格2026.zip" in text and "EPSG:4543" in text
    assert "Import 4 changes" in text
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()  # nothing before confirming

    layer = admin.get(preview_url + "preview.json").json()
    assert sorted(f["properties"]["code"] for f in layer["features"]) == [g[0] for g in geofiles.four_grids()]
    assert {f["properties"]["status"] for f in layer["features"]} == {"created"}
    lon, lat = layer["features"][0]["geometry"]["coordinates"][0][0]
    assert 101.9 < lon < 102.1 and 23.4 < lat < 23.6  # lon/lat for Leaflet, not metres

    done = admin.post(preview_url + "confirm")
    assert done.status_code == 200 and "Imported." in done.content.decode()
    assert Grid.objects.filter(community_id=COMMUNITY).count() == 4
    assert not any(stage_dir.iterdir())  # the upload is gone once confirmed
    assert admin.get(preview_url).status_code == 404


def test_a_refused_file_shows_each_problem_and_offers_no_import(far_community, tmp_path, stage_dir, signed_in):
    admin = signed_in("admin", language="en")
    rows = [*geofiles.four_grids()[:3], (f"{COMMUNITY}004", "社区外", geofiles.square(5, 5))]
    response = admin.post(PAGE, {"kind": "grids", "file": upload(tmp_path, rows), "crs": ""})
    page = admin.get(response["Location"]).content.decode()
    assert "outside its community" in page and "Nothing was imported" in page
    assert 'data-testid="confirm-form"' not in page
    statuses = [f["properties"]["status"] for f in admin.get(response["Location"] + "preview.json").json()["features"]]
    assert statuses.count("refused") == 1
    assert admin.post(response["Location"] + "confirm").status_code == 422
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()


def test_a_chosen_epsg_code_reads_a_zip_without_a_prj(far_community, tmp_path, stage_dir, signed_in):
    admin = signed_in("admin", language="en")
    file = upload(tmp_path, geofiles.four_grids(), prj=False)
    response = admin.post(PAGE, {"kind": "grids", "file": file, "crs": "other", "epsg": "EPSG:4543"})
    assert "4 new" in admin.get(response["Location"]).content.decode()


def test_the_preview_belongs_to_the_uploader(far_community, tmp_path, stage_dir, signed_in, persona):
    admin = signed_in("admin")
    response = admin.post(PAGE, {"kind": "grids", "file": upload(tmp_path, geofiles.four_grids()), "crs": ""})
    other = persona("admin")
    other.pk = None
    other.username = "admin2"
    other.save()
    second = signed_in("admin2")
    assert second.get(response["Location"]).status_code == 404
    assert second.post(response["Location"] + "confirm").status_code == 404
    assert not Grid.objects.filter(community_id=COMMUNITY).exists()


@pytest.mark.parametrize("username", ["operator", "operator_caoba", "leader", "gridworker"])
def test_other_staff_are_refused(far_community, tmp_path, stage_dir, signed_in, username):
    client = signed_in(username)
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE, {"kind": "grids", "file": upload(tmp_path, geofiles.four_grids()), "crs": ""})
    assert response.status_code == 403
    assert not stage_dir.exists() or not any(stage_dir.iterdir())


def test_anonymous_callers_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_the_console_links_to_the_page_for_administrators_only(signed_in):
    assert PAGE.encode() in signed_in("admin").get("/console/cases/").content
    assert PAGE.encode() not in signed_in("operator").get("/console/cases/").content


def test_expired_uploads_are_thrown_away(far_community, tmp_path, stage_dir, signed_in, persona):
    import os
    import time

    admin = signed_in("admin")
    response = admin.post(PAGE, {"kind": "grids", "file": upload(tmp_path, geofiles.four_grids()), "crs": ""})
    folder = next(stage_dir.iterdir())
    old = time.time() - staging.STAGE_HOURS * 3600 - 60
    meta = folder / "meta.json"
    meta.write_text(meta.read_text().replace('"created": ', f'"created": {old}, "was": '))
    assert admin.get(response["Location"]).status_code == 404
    os.utime(folder, (old, old))
    assert staging.purge_expired() == 1 and not folder.exists()


def test_a_long_report_shows_its_first_thousand_rows_and_says_so(far_community, tmp_path, stage_dir, signed_in):
    rows = [(f"9{n:05d}", f"坏编码{n}", geofiles.square(n % 50, n // 50)) for n in range(1001)]
    path = geofiles.write_layer(tmp_path / "bad.gpkg", rows, driver="GPKG")
    file = SimpleUploadedFile("bad.gpkg", path.read_bytes())
    response = signed_in("admin").post(PAGE, {"kind": "grids", "file": file, "crs": ""})
    page = signed_in("admin").get(response["Location"]).content.decode()
    assert page.count('<tr class="refused">') == 1000
    assert "仅显示 1001 行中的前 1000 行" in page
