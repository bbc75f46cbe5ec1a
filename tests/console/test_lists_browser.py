"""A shift leader narrows the case list, saves the view, opens it again and exports it, in Chromium."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from civicloop.cases import services
from civicloop.console.models import SavedView
from tests.conftest import WENLAN


def test_filter_save_open_and_export_a_case_list(site, staff, shots):
    token = f"列表{uuid.uuid4().hex[:6]}"
    cases = [services.report_case(actor=None, channel="citizen", lon=WENLAN[0], lat=WENLAN[1],
                                  description=f"{token} 人行道破损 {i}") for i in range(3)]
    page = staff("operator")
    page.goto(f"{site}/console/cases/")
    expect(page.get_by_role("heading", name=re.compile("案件列表|Case list"))).to_be_visible()

    # Filter with the keyboard: "/" jumps to the search box, Enter applies.
    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type(token)
    page.get_by_label(re.compile("^(状态|State)")).select_option("reported")
    page.locator("#id_q").press("Enter")
    rows = page.get_by_test_id("case-table").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.get_by_role("link")).to_have_text(cases[-1].reference)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll at 1366
    shots(page, "filtered")

    # Save the view, go back to everything, and open it from the saved views.
    page.get_by_label(re.compile("常用筛选名称|Name of this view")).fill(f"待受理 {token}")
    page.get_by_role("button", name=re.compile("保存当前筛选|Save the current filters")).click()
    saved = page.get_by_test_id("saved-views").get_by_role("link", name=f"待受理 {token}")
    expect(saved).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name=re.compile("^(全部案件|All cases)$")).click()
    expect(page.locator("#id_q")).to_have_value("")
    saved.click()
    expect(page.locator("#id_q")).to_have_value(token)
    expect(rows).to_have_count(3)
    shots(page, "saved-view-opened")

    # Export what is on screen.
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    body = open(download.value.path(), "rb").read()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("案件编号,状态")
    assert sorted(line.split(",")[0] for line in text.splitlines()[1:]) == sorted(c.reference for c in cases)
    assert download.value.suggested_filename.endswith(".csv")

    # Delete the view.
    page.get_by_role("button", name=re.compile(f"(删除常用筛选|Delete the view) 待受理 {token}")).click()
    expect(page.get_by_test_id("saved-views").get_by_role("link", name=f"待受理 {token}")).to_have_count(0)
    assert not SavedView.objects.filter(name=f"待受理 {token}").exists()
    shots(page, "view-deleted")
