"""The console's gazetteer upload in Chromium: a file with one bad row is reported and nothing is saved; a
good file is previewed, confirmed, and its entries are then found by the geocoder."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from playwright.sync_api import expect

from civicloop.gazetteer import geocoding
from civicloop.gazetteer.models import Poi
from civicloop.geo import demo_geography as geo
from tests.browser import DESKTOP, PASSWORD

SOURCE = "兴趣点清单.csv"
NAMES = ("青石板巷口诊所", "枇杷树幼儿园", "碧水湾垂钓园")


def _administrator(browser, site, errors: list):
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


def _pois(path: Path, *, bad_row: bool) -> Path:
    """Three POIs in the demo city's core; with bad_row, the second lies far outside the jurisdiction."""
    rows = [[name, "医院" if i == 0 else "学校" if i == 1 else "其他", geo._x(10 + 5 * i), geo._y(12)]
            for i, name in enumerate(NAMES)]
    if bad_row:
        rows[1][2:] = [100.0, 30.0]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["名称", "类别", "经度", "纬度"])
        writer.writerows(rows)
    return path


def _upload(page, site: str, path: Path) -> None:
    page.goto(f"{site}/console/cases/")
    page.get_by_role("link", name="标准地址库").click()
    page.get_by_label("文件内容").select_option("pois")
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url(re.compile(r"/console/gazetteer/import/[\w-]+/$"))


def test_a_file_with_a_bad_row_is_reported_and_nothing_is_saved_then_a_good_one_goes_in(browser, site, shots,
                                                                                      tmp_path):
    errors: list[str] = []
    context, page = _administrator(browser, site, errors)
    try:
        _upload(page, site, _pois(tmp_path / SOURCE, bad_row=True))
        expect(page.get_by_test_id("import-summary")).to_contain_text("拒绝 1")
        findings = page.get_by_test_id("findings")
        expect(findings).to_contain_text(NAMES[1])
        expect(findings.locator("tr", has_text=NAMES[1])).to_contain_text("3")  # the CSV's line
        expect(findings).to_contain_text("辖区")
        expect(page.get_by_test_id("confirm-form")).to_have_count(0)
        shots(page, "refused")
        assert not Poi.objects.filter(name__in=NAMES).exists()

        _upload(page, site, _pois(tmp_path / SOURCE, bad_row=False))
        expect(page.get_by_test_id("import-counts").locator("[data-count=created]")).to_have_text("3")
        assert not Poi.objects.filter(name__in=NAMES).exists()  # a preview saves nothing
        shots(page, "preview")
        page.get_by_role("button", name="导入 3 项变更").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("已导入")
        assert Poi.objects.filter(name__in=NAMES, source=SOURCE).count() == 3
        best = geocoding.geocode(NAMES[1])[0]
        assert best.kind == "poi" and best.label == NAMES[1]
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
        Poi.objects.filter(name__in=NAMES).delete()  # browser tests share the city: leave it as it was


def test_a_district_operator_cannot_open_the_upload_page(browser, site):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{site}/console/login/")
        page.get_by_label(re.compile("用户名|Username")).fill("operator_wenlan")
        page.get_by_label(re.compile("密码|Password")).fill(PASSWORD)
        page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).click()
        page.wait_for_url(lambda url: "/login/" not in url)
        response = page.goto(f"{site}/console/gazetteer/import/")
        assert response.status == 403
        expect(page.get_by_role("alert")).to_contain_text("市级")
    finally:
        context.close()
