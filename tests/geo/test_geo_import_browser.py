"""The import page in Chromium: upload a zipped Gauss–Krüger Shapefile, see the new grids on the map, confirm."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from civicloop.geo.index import as_geojson
from civicloop.geo.models import Division, Grid
from tests.browser import DESKTOP, PASSWORD
from tests.geo import geofiles
from tests.geo.geofiles import COMMUNITY, STREET


def _administrator(browser, site, errors: list):
    """Signed in through the form; the `staff` fixture waits for a console queue, but an
    administrator is sent to the admin site."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site}/console/login/")
    page.get_by_label(re.compile("用户名|Username")).fill("admin")
    page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return context, page


def _far_community():
    Division.objects.update_or_create(code=STREET, defaults={"name": "测试街道", "level": "street", "parent_id": "532503"})
    Division.objects.update_or_create(code=COMMUNITY, defaults={
        "name": "测试社区", "level": "community", "parent_id": STREET,
        "geometry": as_geojson(geofiles.to_wgs84(geofiles.community_outline()))})


def _remove_far_community():
    # Browser tests commit for real and share the city with the others: leave it as it was.
    Grid.objects.filter(community_id=COMMUNITY).delete()
    Division.objects.filter(code=COMMUNITY).delete()
    Division.objects.filter(code=STREET).delete()


def test_an_administrator_uploads_previews_on_the_map_and_confirms(browser, site, shots, tmp_path):
    _far_community()
    errors: list[str] = []
    context, page = _administrator(browser, site, errors)
    try:
        path = geofiles.zipped_shapefile(tmp_path, geofiles.four_grids())
        page.goto(f"{site}/console/cases/")
        page.get_by_role("link", name="边界与网格").click()
        page.locator("input[type=file][name=file]").set_input_files(str(path))
        shots(page, "upload")
        page.get_by_role("button", name="检查文件").click()

        page.wait_for_url(re.compile(r"/console/geo/import/[\w-]+/$"))
        expect(page.get_by_test_id("import-summary")).to_contain_text("新增 4")
        expect(page.locator("#geo-import-map")).to_have_attribute("data-shapes", "4")
        expect(page.locator("#geo-import-map .leaflet-overlay-pane path")).to_have_count(4)
        assert not Grid.objects.filter(community_id=COMMUNITY).exists()  # nothing saved before confirming
        shots(page, "preview")

        page.get_by_role("button", name="导入 4 项变更").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("已导入")
        assert Grid.objects.filter(community_id=COMMUNITY).count() == 4
        shots(page, "imported")
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
        _remove_far_community()
